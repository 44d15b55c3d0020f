import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DomainState } from '@kli8nt/backstage-plugin-kli8nt-common';
import { SettingsCard } from './SettingsCard';
import {
  ENTITY_REF,
  FakeKli8ntApi,
  makeSettings,
} from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';

jest.setTimeout(60_000);

const record = {
  name: '_kli8nt-challenge.hello.example.com',
  type: 'TXT' as const,
  value: 'kli8nt-verification=abc',
};
const pending: DomainState = {
  domain: 'hello.example.com',
  status: 'pending',
  record,
};

describe('SettingsCard custom domain states', () => {
  it('shows the record of a pending domain, checks it on demand and shows it verified', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({
      domains: ['hello.example.com'],
      domainStates: [pending],
    });
    renderTab(<SettingsCard entityRef={ENTITY_REF} />, { api });
    const states = await screen.findByLabelText('Custom domain verification');
    expect(
      within(states).getByText(/pending, not routed until verified/),
    ).toBeInTheDocument();
    expect(within(states).getByText(record.name)).toBeInTheDocument();
    expect(within(states).getByText(record.value)).toBeInTheDocument();

    // The DNS does not have it yet: the reason is shown.
    api.settings = {
      ...api.settings,
      domainStates: [{ ...pending, reason: 'No TXT record yet' }],
    };
    await userEvent.click(
      within(states).getByRole('button', { name: 'Check DNS records' }),
    );
    expect(
      await within(states).findByText('No TXT record yet'),
    ).toBeInTheDocument();

    api.settings = {
      ...api.settings,
      domainStates: [{ ...pending, status: 'verified' }],
    };
    await userEvent.click(
      within(states).getByRole('button', { name: 'Check DNS records' }),
    );
    expect(
      await within(states).findByText(/verified, routed to the app/),
    ).toBeInTheDocument();
    expect(within(states).queryByText(record.value)).not.toBeInTheDocument();
    expect(
      within(states).queryByRole('button', { name: 'Check DNS records' }),
    ).not.toBeInTheDocument();
    expect(api.callsOf('verifyDomains')).toEqual([[ENTITY_REF], [ENTITY_REF]]);
  });

  it('says why a check failed, and cannot check without permission', async () => {
    const api = new FakeKli8ntApi();
    api.settings = makeSettings({
      domains: ['hello.example.com'],
      domainStates: [pending],
    });
    api.failures.verifyDomains = new Error(
      'hello.example.com is already verified by component:default/other (app other)',
    );
    const { unmount } = renderTab(<SettingsCard entityRef={ENTITY_REF} />, {
      api,
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Check DNS records' }),
    );
    expect(
      await screen.findByText(/already verified by component:default\/other/),
    ).toBeInTheDocument();
    unmount();

    renderTab(<SettingsCard entityRef={ENTITY_REF} />, { api, allow: false });
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Check DNS records' }),
      ).toBeDisabled(),
    );
  });
});
