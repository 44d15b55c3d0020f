import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LogsTab } from './LogsTab';
import {
  FakeKli8ntApi,
  makeDeployment,
} from '../../__testUtils__/FakeKli8ntApi';
import { FakeLogServer } from '../../__testUtils__/FakeLogServer';
import { renderTab } from '../../__testUtils__/render';

// Rendering a whole app per test is slow on small shared CI machines.
jest.setTimeout(60_000);

// jsdom has no layout, so give the LogViewer's auto-sizer a real size.
jest.mock('react-virtualized-auto-sizer', () => ({
  __esModule: true,
  default: (props: {
    children: (size: { width: number; height: number }) => unknown;
  }) => props.children({ width: 800, height: 600 }),
}));

const LOGS_PATH = '/catalog/default/component/hello/logs';

describe('LogsTab', () => {
  let server: FakeLogServer;
  let api: FakeKli8ntApi;

  beforeEach(async () => {
    server = new FakeLogServer();
    api = new FakeKli8ntApi();
    api.logStreamUrl = await server.start();
  });
  afterEach(() => server.stop());

  const viewer = () => screen.getByTestId('kli8nt-log-viewer');

  it('says so when the user may not read logs', async () => {
    renderTab(<LogsTab />, { api, allow: false, path: LOGS_PATH });
    expect(
      await screen.findByText(
        'You do not have permission to read the logs of this service.',
      ),
    ).toBeInTheDocument();
    expect(server.connections).toHaveLength(0);
  });

  it('shows an empty state until lines arrive, then streams them', async () => {
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    expect(await screen.findByText(/No log lines yet/)).toBeInTheDocument();
    expect(screen.getByTestId('kli8nt-log-status')).toHaveTextContent('Live');

    act(() => {
      server.push({ line: 'listening on :8080' });
    });
    expect(
      await within(await screen.findByTestId('kli8nt-log-viewer')).findByText(
        'listening on :8080',
      ),
    ).toBeInTheDocument();
  });

  it('renders ANSI colours without the escape codes', async () => {
    server.push({ line: '\u001b[31mERROR\u001b[0m boom' });
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    const error = await within(
      await screen.findByTestId('kli8nt-log-viewer'),
    ).findByText('ERROR');
    expect(error.className).toMatch(/modifierForegroundRed/);
    expect(viewer()).not.toHaveTextContent('[31m');
  });

  it('filters by build or runtime, and by pod', async () => {
    server.push({ source: 'build', pod: 'build-1', line: 'STEP 1/4' });
    server.push({ source: 'runtime', pod: 'hello-a', line: 'served /a' });
    server.push({ source: 'runtime', pod: 'hello-b', line: 'served /b' });
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    await within(await screen.findByTestId('kli8nt-log-viewer')).findByText(
      'served /b',
    );
    expect(within(viewer()).getByText('STEP 1/4')).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: /Build and runtime/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: 'Build' }));
    await waitFor(() =>
      expect(within(viewer()).queryByText('served /a')).not.toBeInTheDocument(),
    );
    expect(within(viewer()).getByText('STEP 1/4')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /^Build/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Runtime' }),
    );
    await userEvent.click(screen.getByRole('button', { name: /All pods/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'hello-b' }),
    );
    await waitFor(() =>
      expect(within(viewer()).queryByText('served /a')).not.toBeInTheDocument(),
    );
    expect(within(viewer()).getByText('served /b')).toBeInTheDocument();
    expect(within(viewer()).queryByText('STEP 1/4')).not.toBeInTheDocument();
  });

  it('streams the deployment named in the URL', async () => {
    const d = makeDeployment({ ref: 'main' });
    api.deployments = [d];
    renderTab(<LogsTab />, {
      api,
      path: `${LOGS_PATH}?deployment=${d.id}`,
    });
    await waitFor(() => expect(server.connections).toHaveLength(1));
    expect(server.connections[0].query.get('deploymentId')).toBe(d.id);
    expect(
      await screen.findByRole('button', { name: /main @/ }),
    ).toBeInTheDocument();
  });

  it('pauses the view while lines keep arriving, and follows again', async () => {
    server.push({ line: 'first' });
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    await within(await screen.findByTestId('kli8nt-log-viewer')).findByText(
      'first',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
    act(() => {
      server.push({ line: 'second' });
      server.push({ line: 'third' });
    });
    expect(await screen.findByText('Paused · 2 new lines')).toBeInTheDocument();
    expect(within(viewer()).queryByText('second')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Follow' }));
    expect(await within(viewer()).findByText('third')).toBeInTheDocument();
  });

  it('downloads the shown lines as plain text', async () => {
    server.push({ line: '\u001b[32mok\u001b[0m' });
    const createObjectURL = jest.fn((_: Blob) => 'blob:logs');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => {});
    renderTab(<LogsTab />, { api, path: LOGS_PATH });
    await within(await screen.findByTestId('kli8nt-log-viewer')).findByText(
      'ok',
    );
    await userEvent.click(screen.getByRole('button', { name: /download/i }));
    expect(click).toHaveBeenCalled();
    const blob = createObjectURL.mock.calls[0][0];
    expect(await blob.text()).toBe('ok');
    click.mockRestore();
  });
});
