import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DeployTab } from './DeployTab';
import { NOT_ALLOWED_TO_DEPLOY } from './DeployControl';
import {
  ENTITY_REF,
  FakeKli8ntApi,
  makeDeployment,
  makeSettings,
} from '../../__testUtils__/FakeKli8ntApi';
import { FakeSignalApi, renderTab } from '../../__testUtils__/render';

function card(title: string): HTMLElement {
  const heading = screen.getByRole('heading', { name: title });
  return heading.closest('.bui-Card') as HTMLElement;
}

// Rendering a whole app per test is slow on small CI machines.
jest.setTimeout(60_000);

describe('DeployTab', () => {
  let api: FakeKli8ntApi;
  beforeEach(() => {
    api = new FakeKli8ntApi();
  });

  it('shows progress while loading', async () => {
    let release!: () => void;
    api.gates.listDeployments = new Promise(r => {
      release = r;
    });
    renderTab(<DeployTab />, { api });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    release();
    expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
  });

  it('shows an error with retry when the deployments cannot be loaded', async () => {
    api.failures.listDeployments = new Error('backend down');
    renderTab(<DeployTab />, { api });
    expect(
      await screen.findByText('Could not load the deployments'),
    ).toBeInTheDocument();
    expect(screen.getByText('backend down')).toBeInTheDocument();

    delete api.failures.listDeployments;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
  });

  it('shows an empty state before the first deployment', async () => {
    renderTab(<DeployTab />, { api });
    expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
    expect(await screen.findByText('No deployments yet.')).toBeInTheDocument();
  });

  it('shows the live state at a glance', async () => {
    api.deployments = [
      makeDeployment({
        commitSha: '1234567'.padEnd(40, 'f'),
        requestedBy: 'user:default/jane',
      }),
    ];
    renderTab(<DeployTab />, { api });
    await screen.findByText('At a glance');
    const glance = card('At a glance');
    expect(
      within(glance).getByRole('link', {
        name: 'https://hello.apps.example.com',
      }),
    ).toHaveAttribute('href', 'https://hello.apps.example.com');
    expect(
      within(glance).getByRole('link', { name: '1234567' }),
    ).toHaveAttribute(
      'href',
      `https://github.com/acme/hello/commit/${'1234567'.padEnd(40, 'f')}`,
    );
    expect(
      within(glance).getByText(/registry\.local\/hello@sha256/),
    ).toBeInTheDocument();
    expect(within(glance).getByText('jane')).toBeInTheDocument();
    expect(within(glance).getByTestId('kli8nt-status')).toHaveTextContent(
      'Live',
    );
  });

  it('deploys the default branch, or the ref the user typed', async () => {
    renderTab(<DeployTab />, { api });
    const deploy = await screen.findByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deploy).toBeEnabled());
    await waitFor(() => expect(api.callsOf('listBranches')).toHaveLength(1));

    await userEvent.click(deploy);
    await waitFor(() =>
      expect(api.callsOf('createDeployment')).toEqual([
        [{ entityRef: ENTITY_REF, ref: 'main' }],
      ]),
    );
    // The new deployment shows up as queued without a reload.
    expect(
      await screen.findByText(/Deployment in progress/),
    ).toBeInTheDocument();

    await userEvent.type(
      screen.getByRole('textbox', { name: 'Or tag / commit SHA' }),
      'v1.2.3',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    await waitFor(() =>
      expect(api.callsOf('createDeployment')[1]).toEqual([
        { entityRef: ENTITY_REF, ref: 'v1.2.3' },
      ]),
    );
  });

  it('deploys a branch picked from the list', async () => {
    renderTab(<DeployTab />, { api });
    await waitFor(() => expect(api.callsOf('listBranches')).toHaveLength(1));
    const picker = await screen.findByRole('button', { name: /main/ });
    await userEvent.click(picker);
    await userEvent.click(
      await screen.findByRole('option', { name: 'develop' }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    await waitFor(() =>
      expect(api.callsOf('createDeployment')).toEqual([
        [{ entityRef: ENTITY_REF, ref: 'develop' }],
      ]),
    );
  });

  it('shows why a failed deployment request failed', async () => {
    api.failures.createDeployment = new Error('Repository not found');
    renderTab(<DeployTab />, { api });
    const deploy = await screen.findByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deploy).toBeEnabled());
    await userEvent.click(deploy);
    expect(
      await screen.findByText('The deployment could not be started'),
    ).toBeInTheDocument();
    expect(screen.getByText('Repository not found')).toBeInTheDocument();
  });

  it('disables Deploy and the history actions, saying why, without permission', async () => {
    api.deployments = [makeDeployment()];
    renderTab(<DeployTab />, { api, allow: false });
    expect(await screen.findByText(NOT_ALLOWED_TO_DEPLOY)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Deploy' }),
    ).toHaveAccessibleDescription(NOT_ALLOWED_TO_DEPLOY);
    expect(
      await screen.findByRole('button', { name: /^Redeploy/ }),
    ).toBeDisabled();
    expect(
      await screen.findByText(
        'You do not have permission to change the settings of this service.',
      ),
    ).toBeInTheDocument();
  });

  it('shows a running deployment as steps with durations and a logs link', async () => {
    const running = makeDeployment({
      status: 'deploying',
      trigger: 'manual',
      createdAt: '2024-05-01T10:00:00.000Z',
      finishedAt: undefined,
      url: undefined,
    });
    api.deployments = [running];
    api.events[running.id] = [
      {
        messageId: '10000000-0000-4000-8000-000000000001',
        status: 'building',
        occurredAt: '2024-05-01T10:00:05.000Z',
        receivedAt: '2024-05-01T10:00:05.000Z',
      },
      {
        messageId: '10000000-0000-4000-8000-000000000002',
        status: 'deploying',
        occurredAt: '2024-05-01T10:01:10.000Z',
        receivedAt: '2024-05-01T10:01:10.000Z',
      },
    ];
    renderTab(<DeployTab />, { api });
    const steps = await screen.findByRole('list', { name: 'Deployment steps' });
    await waitFor(() =>
      expect(
        within(steps).getByTestId('kli8nt-step-building'),
      ).toHaveTextContent('1m 05s'),
    );
    expect(within(steps).getByTestId('kli8nt-step-queued')).toHaveAttribute(
      'data-state',
      'done',
    );
    expect(within(steps).getByTestId('kli8nt-step-queued')).toHaveTextContent(
      '5s',
    );
    expect(within(steps).getByTestId('kli8nt-step-deploying')).toHaveAttribute(
      'data-state',
      'active',
    );
    expect(within(steps).getByTestId('kli8nt-step-outcome')).toHaveAttribute(
      'data-state',
      'pending',
    );
    expect(screen.getByRole('link', { name: 'View logs' })).toHaveAttribute(
      'href',
      `/catalog/default/component/hello/logs?deployment=${running.id}`,
    );
  });

  it('explains a failure in plain words', async () => {
    const failed = makeDeployment({
      status: 'failed',
      failureReason: 'CrashLoopBackOff',
      failureMessage: 'back-off restarting failed container',
      url: undefined,
    });
    api.deployments = [failed];
    api.events[failed.id] = [
      {
        messageId: '10000000-0000-4000-8000-000000000003',
        status: 'deploying',
        occurredAt: '2024-05-01T10:01:00.000Z',
        receivedAt: '2024-05-01T10:01:00.000Z',
      },
      {
        messageId: '10000000-0000-4000-8000-000000000004',
        status: 'failed',
        reason: 'CrashLoopBackOff',
        occurredAt: '2024-05-01T10:03:00.000Z',
        receivedAt: '2024-05-01T10:03:00.000Z',
      },
    ];
    renderTab(<DeployTab />, { api });
    expect(
      await screen.findByText(
        'The app keeps crashing right after it starts. Its runtime logs usually say why.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'CrashLoopBackOff: back-off restarting failed container',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Open the logs of this deployment' }),
    ).toHaveAttribute(
      'href',
      `/catalog/default/component/hello/logs?deployment=${failed.id}`,
    );
    const steps = screen.getByRole('list', { name: 'Deployment steps' });
    await waitFor(() =>
      expect(
        within(steps).getByTestId('kli8nt-step-deploying'),
      ).toHaveAttribute('data-state', 'failed'),
    );
    expect(within(steps).getByTestId('kli8nt-step-outcome')).toHaveTextContent(
      'Failed',
    );
  });

  it('updates when a status change is pushed, without reload', async () => {
    const signals = new FakeSignalApi();
    const running = makeDeployment({
      status: 'building',
      finishedAt: undefined,
      url: undefined,
    });
    api.deployments = [running];
    renderTab(<DeployTab />, { api, signals });
    expect(
      await screen.findByText(/Deployment in progress/),
    ).toBeInTheDocument();

    api.report(
      running.id,
      'live',
      { url: 'https://hello.apps.example.com' },
      '2024-05-01T10:05:00.000Z',
    );
    act(() => {
      signals.publish(`kli8nt:deployment:${ENTITY_REF}`, {
        deploymentId: running.id,
        status: 'live',
      });
    });
    expect(await screen.findByText(/Latest deployment/)).toBeInTheDocument();
    expect(
      within(card('At a glance')).getByTestId('kli8nt-status'),
    ).toHaveTextContent('Live');
  });

  it('redeploys, rolls back and cancels from the history', async () => {
    const old = makeDeployment({ status: 'superseded', ref: 'old' });
    const live = makeDeployment({ status: 'live' });
    const running = makeDeployment({
      status: 'building',
      image: undefined,
      finishedAt: undefined,
    });
    api.deployments = [running, live, old];
    renderTab(<DeployTab />, { api });

    await userEvent.click(
      await screen.findByRole('button', { name: /^Cancel / }),
    );
    await waitFor(() => expect(api.callsOf('cancel')).toEqual([[running.id]]));
    // The history reloads with the cancelled deployment.
    await waitFor(() =>
      expect(
        within(card('History'))
          .getAllByTestId('kli8nt-status')
          .map(e => e.textContent),
      ).toEqual(['Cancelled', 'Live', 'Superseded']),
    );

    await waitFor(() =>
      expect(screen.getByRole('button', { name: /^Redeploy / })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: /^Redeploy / }));
    await waitFor(() => expect(api.callsOf('redeploy')).toEqual([[live.id]]));

    await waitFor(() =>
      expect(screen.getByRole('button', { name: /^Roll back / })).toBeEnabled(),
    );
    await userEvent.click(screen.getByRole('button', { name: /^Roll back / }));
    await waitFor(() => expect(api.callsOf('rollback')).toEqual([[old.id]]));
  });

  it('says why a deployment whose rollout was sent cannot be cancelled', async () => {
    const rolling = makeDeployment({
      status: 'deploying',
      finishedAt: undefined,
    });
    api.deployments = [rolling];
    renderTab(<DeployTab />, { api });

    await userEvent.click(
      await screen.findByRole('button', { name: /^Cancel / }),
    );
    expect(await screen.findByText('The action failed')).toBeInTheDocument();
    expect(
      screen.getByText(/its rollout was already sent to the cluster/),
    ).toBeInTheDocument();
    expect(
      within(card('History')).getByTestId('kli8nt-status'),
    ).toHaveTextContent('Deploying');
  });

  it('shows the source path of a monorepo app in the history', async () => {
    api.deployments = [
      makeDeployment({ status: 'live', sourcePath: 'apps/web' }),
      makeDeployment({ status: 'superseded', ref: 'root-build' }),
    ];
    renderTab(<DeployTab />, { api });
    const history = await waitFor(() => card('History'));
    expect(
      await within(history).findByText('main · apps/web'),
    ).toBeInTheDocument();
    expect(within(history).getByText('root-build')).toBeInTheDocument();
  });

  it('pages through the history', async () => {
    api.deployments = Array.from({ length: 12 }, (_, i) =>
      makeDeployment({ status: 'superseded', ref: `release-${i}` }),
    );
    renderTab(<DeployTab />, { api });
    const history = await waitFor(() => card('History'));
    expect(await within(history).findByText('release-0')).toBeInTheDocument();
    expect(within(history).queryByText('release-10')).not.toBeInTheDocument();

    await userEvent.click(
      within(history).getByRole('button', { name: 'Older' }),
    );
    expect(await within(history).findByText('release-10')).toBeInTheDocument();
    expect(within(history).getByText('Page 2')).toBeInTheDocument();
    expect(
      within(history).getByRole('button', { name: 'Older' }),
    ).toBeDisabled();

    await userEvent.click(
      within(history).getByRole('button', { name: 'Newer' }),
    );
    expect(await within(history).findByText('release-0')).toBeInTheDocument();
  });

  it('edits settings with inline validation; secret values stay write-only', async () => {
    api.settings = makeSettings({
      port: 3000,
      env: { LOG_LEVEL: 'info' },
      secretEnvNames: ['DATABASE_URL'],
    });
    renderTab(<DeployTab />, { api });
    const port = await screen.findByRole('textbox', { name: /^Port/ });
    expect(port).toHaveValue('3000');
    const secret = screen.getByLabelText('Value of secret DATABASE_URL');
    expect(secret).toHaveValue('');
    expect(secret).toHaveAttribute('placeholder', '••••••••');
    expect(secret).toHaveAttribute('type', 'password');

    await userEvent.clear(port);
    await userEvent.type(port, '70000');
    expect(
      await screen.findByText('must be between 1 and 65535'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Save settings' }),
    ).toBeDisabled();

    await userEvent.clear(port);
    await userEvent.type(port, '8080');
    await userEvent.type(
      screen.getByRole('textbox', { name: /Custom domains/ }),
      'Not A Domain',
    );
    expect(
      await screen.findByText(/Not A Domain: must be a lowercase DNS name/),
    ).toBeInTheDocument();
    await userEvent.clear(
      screen.getByRole('textbox', { name: /Custom domains/ }),
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: /Custom domains/ }),
      'hello.example.com',
    );

    await userEvent.click(screen.getByRole('button', { name: 'Add variable' }));
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Name of variable 2' }),
      '1BAD',
    );
    expect(
      await screen.findByText(/must be an environment variable name/),
    ).toBeInTheDocument();
    await userEvent.clear(
      screen.getByRole('textbox', { name: 'Name of variable 2' }),
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Name of variable 2' }),
      'FEATURE',
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Value of variable 2' }),
      'on',
    );
    await userEvent.type(secret, 's3cret');

    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    await waitFor(() =>
      expect(api.callsOf('updateAppSettings')).toEqual([
        [
          ENTITY_REF,
          {
            version: 0,
            port: 8080,
            replicas: 1,
            healthCheckPath: null,
            domains: ['hello.example.com'],
            env: { LOG_LEVEL: 'info', FEATURE: 'on' },
            secretEnv: { DATABASE_URL: 's3cret' },
          },
        ],
      ]),
    );
    expect(await screen.findByText('Settings saved.')).toBeInTheDocument();
    // After saving, the secret is write-only again.
    expect(screen.getByLabelText('Value of secret DATABASE_URL')).toHaveValue(
      '',
    );
  });

  it('removes a stored secret', async () => {
    api.settings = makeSettings({ secretEnvNames: ['TOKEN'] });
    renderTab(<DeployTab />, { api });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Remove secret TOKEN' }),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    await waitFor(() =>
      expect(api.callsOf('updateAppSettings')[0][1]).toMatchObject({
        secretEnv: { TOKEN: null },
      }),
    );
  });
});
