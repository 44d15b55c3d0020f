import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ENTITY_REF,
  FakeKli8ntApi,
  makeSettings,
} from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';
import { SettingsCard } from './SettingsCard';

jest.setTimeout(60_000);

const CONFLICT =
  'These settings were changed by someone else since you opened them';

describe('SettingsCard', () => {
  it('says that someone else saved meanwhile, keeps the edits, and reloads theirs', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({ port: 3000, version: 1 });
    renderTab(<SettingsCard entityRef={ENTITY_REF} />, { api });
    const port = await screen.findByRole('textbox', { name: /^Port/ });
    api.settings = { ...api.settings, port: 4000, version: 2 };
    await userEvent.clear(port);
    await userEvent.type(port, '9090');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    expect(await screen.findByText(CONFLICT)).toBeInTheDocument();
    expect(screen.queryByText('The settings were not saved')).toBeNull();
    expect(screen.getByRole('textbox', { name: /^Port/ })).toHaveValue('9090');

    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: /^Port/ })).toHaveValue(
        '4000',
      ),
    );
    expect(screen.queryByText(CONFLICT)).toBeNull();
  });
});
