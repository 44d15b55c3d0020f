import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FakeKli8ntApi } from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';
import { GitDeploysCard } from './GitDeploysCard';

const ref = 'component:default/hello';

// Rendering a whole app per test is slow on small shared CI machines.
jest.setTimeout(60_000);

describe('GitDeploysCard', () => {
  it('saves the tracked branch and the preview settings', async () => {
    const api = new FakeKli8ntApi();
    await renderTab(<GitDeploysCard entityRef={ref} canConfigure />, { api });
    const branch = await screen.findByLabelText(/Deploy on push to branch/);
    await userEvent.type(branch, 'main');
    await userEvent.click(
      screen.getByRole('checkbox', { name: /A preview app for each/ }),
    );
    const limit = screen.getByLabelText(/Previews at once/);
    await userEvent.clear(limit);
    await userEvent.type(limit, '2');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save git settings' }),
    );
    await waitFor(() =>
      expect(api.callsOf('updateGitSettings')).toEqual([
        [
          ref,
          {
            autoDeployBranch: 'main',
            previews: { enabled: true, limit: 2, secrets: false },
          },
        ],
      ]),
    );
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
  });

  it('turns auto-deploy off with an empty branch, and refuses a bad limit', async () => {
    const api = new FakeKli8ntApi();
    api.gitSettings = {
      ...api.gitSettings,
      autoDeployBranch: 'main',
      previews: { enabled: true, limit: 3, secrets: false },
    };
    await renderTab(<GitDeploysCard entityRef={ref} canConfigure />, { api });
    const limit = await screen.findByLabelText(/Previews at once/);
    await userEvent.clear(limit);
    await userEvent.type(limit, '0');
    expect(
      screen.getByRole('button', { name: 'Save git settings' }),
    ).toBeDisabled();
    await userEvent.clear(limit);
    await userEvent.type(limit, '3');
    await userEvent.clear(screen.getByLabelText(/Deploy on push to branch/));
    await userEvent.click(
      screen.getByRole('button', { name: 'Save git settings' }),
    );
    await waitFor(() =>
      expect(api.callsOf('updateGitSettings')[0][1]).toMatchObject({
        autoDeployBranch: null,
      }),
    );
  });

  it('lists the live previews with their URLs; read-only without permission', async () => {
    const api = new FakeKli8ntApi();
    api.previews = [
      {
        app: 'pr-7--hello',
        pullRequest: 7,
        pullRequestUrl: 'https://github.com/acme/hello/pull/7',
        headRef: 'feature',
        commitSha: 'c'.repeat(40),
        fromFork: true,
        status: 'live',
        url: 'https://pr-7--hello.apps.example.com',
        updatedAt: '2026-12-01T00:00:00.000Z',
      },
    ];
    await renderTab(<GitDeploysCard entityRef={ref} canConfigure={false} />, {
      api,
    });
    expect(
      await screen.findByRole('link', {
        name: 'https://pr-7--hello.apps.example.com',
      }),
    ).toHaveAttribute('href', 'https://pr-7--hello.apps.example.com');
    expect(screen.getByRole('link', { name: '#7' })).toBeInTheDocument();
    expect(screen.getByText(/fork, no secrets/)).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Save git settings' }),
    ).toBeDisabled();
  });

  it('reads the previews again, so one a webhook opens or closes shows without a reload', async () => {
    const api = new FakeKli8ntApi();
    await renderTab(
      <GitDeploysCard entityRef={ref} canConfigure previewsRefreshMs={50} />,
      { api },
    );
    expect(
      await screen.findByText('No preview is running.'),
    ).toBeInTheDocument();
    api.previews = [
      {
        app: 'pr-8--hello',
        pullRequest: 8,
        pullRequestUrl: 'https://github.com/acme/hello/pull/8',
        headRef: 'feature',
        commitSha: 'd'.repeat(40),
        fromFork: false,
        status: 'building',
        updatedAt: '2026-12-01T00:00:00.000Z',
      },
    ];
    expect(
      await screen.findByText(`feature @ ddddddd · building`),
    ).toBeInTheDocument();
    api.previews = [
      {
        ...api.previews[0],
        status: 'live',
        url: 'https://pr-8--hello.apps.example.com',
      },
    ];
    expect(
      await screen.findByRole('link', {
        name: 'https://pr-8--hello.apps.example.com',
      }),
    ).toBeInTheDocument();
    api.previews = [];
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: '#8' })).toBeNull(),
    );
    expect(screen.getByText('No preview is running.')).toBeInTheDocument();
  });
});
