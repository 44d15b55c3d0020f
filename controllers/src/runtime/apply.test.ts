import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  V1ConfigMap,
} from '@kubernetes/client-node';
import {
  applyObject,
  CONFLICT_ATTEMPTS,
  FIELD_MANAGER,
  retryOnConflict,
  writeStatusAt,
} from './apply';

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

describe('retryOnConflict', () => {
  const conflict = () => Object.assign(new Error('modified'), { code: 409 });

  it('runs the pass again after a conflict and returns what it returns', async () => {
    const pass = jest.fn(async (attempt: number) => {
      if (attempt < 3) throw conflict();
      return `written on attempt ${attempt}`;
    });
    await expect(retryOnConflict(pass)).resolves.toBe('written on attempt 3');
    expect(pass).toHaveBeenCalledTimes(3);
  });

  it('throws the last conflict after the bounded attempts', async () => {
    const pass = jest.fn(async () => {
      throw conflict();
    });
    await expect(retryOnConflict(pass)).rejects.toMatchObject({ code: 409 });
    expect(pass).toHaveBeenCalledTimes(CONFLICT_ATTEMPTS);
  });

  it('does not retry other errors', async () => {
    const pass = jest.fn(async () => {
      throw Object.assign(new Error('forbidden'), { code: 403 });
    });
    await expect(retryOnConflict(pass, 10)).rejects.toMatchObject({
      code: 403,
    });
    expect(pass).toHaveBeenCalledTimes(1);
  });
});

describe('writeStatusAt', () => {
  const ref = {
    group: 'kli8nt.io',
    version: 'v1alpha1',
    plural: 'apps',
    namespace: 'ns',
    name: 'shop',
  };

  it('refuses an object without a resourceVersion instead of writing unconditionally', async () => {
    const patch = jest.fn();
    const api = {
      patchNamespacedCustomObjectStatus: patch,
    } as unknown as CustomObjectsApi;
    await expect(
      writeStatusAt(api, ref, { metadata: {} }, { url: 'x' }),
    ).rejects.toThrow(/apps\/ns\/shop has no resourceVersion; read it/);
    expect(patch).not.toHaveBeenCalled();
  });

  it('writes at the version read and moves the object to the written one', async () => {
    const patch = jest.fn(async (_request: object) => ({
      metadata: { resourceVersion: '8' },
    }));
    const api = {
      patchNamespacedCustomObjectStatus: patch,
    } as unknown as CustomObjectsApi;
    const object = {
      metadata: { resourceVersion: '7' },
      status: { url: 'old' },
    };
    await writeStatusAt(api, ref, object, { url: 'new' });
    expect(patch.mock.calls[0][0]).toMatchObject({
      ...ref,
      body: [
        { op: 'replace', path: '/metadata/resourceVersion', value: '7' },
        { op: 'add', path: '/status', value: { url: 'new' } },
      ],
    });
    expect(object).toEqual({
      metadata: { resourceVersion: '8' },
      status: { url: 'new' },
    });
  });
});
