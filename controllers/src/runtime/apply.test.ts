import {
  KubernetesObjectApi,
  PatchStrategy,
  V1ConfigMap,
} from '@kubernetes/client-node';
import { applyObject, FIELD_MANAGER } from './apply';

describe('applyObject', () => {
  const desired: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'ns' },
  };

  function fakeApi() {
    const patch = jest.fn(async (...args: unknown[]) => args[0]);
    return { api: { patch } as unknown as KubernetesObjectApi, patch };
  }

  it('server-side applies with force under the kli8nt field manager', async () => {
    const { api, patch } = fakeApi();
    await expect(applyObject(api, desired)).resolves.toBe(desired);
    expect(patch).toHaveBeenCalledWith(
      desired,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  });

  it('applies under another field manager when given one', async () => {
    const { api, patch } = fakeApi();
    await applyObject(api, desired, 'kli8nt-cancel');
    expect(patch.mock.calls[0][3]).toBe('kli8nt-cancel');
  });
});
