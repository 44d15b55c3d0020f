import { act, waitFor } from '@testing-library/react';
import {
  ENTITY_REF,
  FakeKli8ntApi,
  makeSettings,
} from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';
import { useSettingsForm } from './useSettingsForm';

jest.setTimeout(60_000);

type Form = ReturnType<typeof useSettingsForm>;

/** Renders the hook; `current()` is what it returned last. */
async function renderForm(api: FakeKli8ntApi) {
  let latest: Form | undefined;
  function Probe() {
    latest = useSettingsForm(ENTITY_REF);
    return null;
  }
  await renderTab(<Probe />, { api });
  await waitFor(() => expect(latest?.form).toBeDefined());
  return { current: () => latest! };
}

describe('useSettingsForm', () => {
  it('saves with the version it read, and the next save with the saved one', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({ port: 3000, version: 4 });
    const form = await renderForm(api);
    act(() => form.current().update({ port: '9090' }));
    await act(() => form.current().save());
    act(() => form.current().update({ port: '9091' }));
    await act(() => form.current().save());
    expect(api.callsOf('updateAppSettings').map(c => c[1])).toMatchObject([
      { version: 4, port: 9090 },
      { version: 5, port: 9091 },
    ]);
    expect(form.current().conflict).toBe(false);
    expect(form.current().saved).toBe(true);
  });

  it('keeps the edits when someone else saved meanwhile, and reloads theirs on demand', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({ port: 3000, version: 1 });
    const form = await renderForm(api);
    // Someone else saves after the form was read.
    api.settings = { ...api.settings, port: 4000, version: 2 };
    act(() => form.current().update({ port: '9090' }));
    await act(() => form.current().save());
    expect(form.current().conflict).toBe(true);
    expect(form.current().saveError).toBeUndefined();
    expect(form.current().saved).toBe(false);
    expect(form.current().form?.port).toBe('9090');
    expect(api.settings.port).toBe(4000);

    act(() => form.current().retry());
    await waitFor(() => expect(form.current().form?.port).toBe('4000'));
    expect(form.current().conflict).toBe(false);
    await act(() => form.current().save());
    expect(api.callsOf('updateAppSettings').at(-1)?.[1]).toMatchObject({
      version: 2,
    });
    expect(form.current().saved).toBe(true);
  });

  it('sends no version to a backend that gives none', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({ version: undefined });
    const form = await renderForm(api);
    await act(() => form.current().save());
    expect(api.callsOf('updateAppSettings')[0][1]).not.toHaveProperty(
      'version',
    );
  });
});
