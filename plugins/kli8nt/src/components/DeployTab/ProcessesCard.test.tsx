import { screen, waitFor, within } from '@testing-library/react';
import type { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { DeployTab } from './DeployTab';
import { formatCommand } from './ProcessesCard';
import {
  FakeKli8ntApi,
  makeDeployment,
} from '../../__testUtils__/FakeKli8ntApi';
import { renderTab } from '../../__testUtils__/render';

// Rendering a whole app per test is slow on small CI machines.
jest.setTimeout(60_000);

function card(title: string): HTMLElement {
  const heading = screen.getByRole('heading', { name: title });
  return heading.closest('.bui-Card') as HTMLElement;
}

/**
 * A process's ready count as shown: its colour (green when all are ready,
 * red when not) and what a screen reader says of it.
 */
function countOf(process: HTMLElement) {
  return {
    color: within(process)
      .getByText(/^· \d+\/\d+ ready$/)
      .getAttribute('data-color'),
    said: process.textContent?.match(/\d+\/\d+ ready, (not )?all ready/)?.[0],
  };
}

const WEB: Process = {
  name: 'web',
  type: 'web',
  command: ['gunicorn', '--bind', '0.0.0.0:8080', 'app:app'],
};
const WORKER: Process = {
  name: 'worker',
  type: 'worker',
  command: ['sh', '-c', 'python worker.py'],
};
const RELEASE: Process = {
  name: 'release',
  type: 'release',
  command: ['python', 'manage.py', 'migrate'],
};

describe('DeployTab processes', () => {
  let api: FakeKli8ntApi;
  beforeEach(() => {
    api = new FakeKli8ntApi();
  });

  it('lists each process of the live image with its kind and command', async () => {
    const live = makeDeployment({ processes: [WEB, WORKER, RELEASE] });
    api.deployments = [live];
    renderTab(<DeployTab />, { api });

    const web = await screen.findByTestId('kli8nt-process-web');
    expect(web).toHaveTextContent('Web');
    expect(web).toHaveTextContent("Serves HTTP at the app's URL.");
    expect(web).toHaveTextContent('gunicorn --bind 0.0.0.0:8080 app:app');
    const worker = screen.getByTestId('kli8nt-process-worker');
    expect(worker).toHaveTextContent('Runs in the background, without a URL.');
    expect(worker).toHaveTextContent("sh -c 'python worker.py'");
    const release = screen.getByTestId('kli8nt-process-release');
    expect(release).toHaveTextContent('Runs once before each rollout');
    expect(release).toHaveTextContent('the running version keeps serving');
    expect(release).toHaveTextContent('python manage.py migrate');
    // Details of the live deployment, which the list does not carry.
    expect(api.callsOf('getDeployment')).toContainEqual([live.id]);
    // It has a web process: the URL stays.
    expect(
      within(card('At a glance')).getByRole('link', {
        name: 'https://hello.apps.example.com',
      }),
    ).toBeInTheDocument();
  });

  it('shows how many pods of each web and worker process were ready', async () => {
    api.deployments = [
      makeDeployment({
        processes: [WEB, WORKER, RELEASE],
        readiness: [
          { process: 'web', ready: 2, desired: 2 },
          { process: 'worker', ready: 1, desired: 1 },
        ],
      }),
    ];
    renderTab(<DeployTab />, { api });

    const web = await screen.findByTestId('kli8nt-process-web');
    expect(countOf(web)).toEqual({
      color: 'success',
      said: '2/2 ready, all ready',
    });
    const worker = screen.getByTestId('kli8nt-process-worker');
    expect(countOf(worker)).toEqual({
      color: 'success',
      said: '1/1 ready, all ready',
    });
    // A release is a Job: it has no pods to count.
    expect(screen.getByTestId('kli8nt-process-release')).not.toHaveTextContent(
      'ready',
    );
    expect(
      within(card('Processes')).getByText(/not a live count/),
    ).toBeInTheDocument();
  });

  it('shows a crash-looping worker as 0/1 ready, not hidden', async () => {
    api.deployments = [
      makeDeployment({
        status: 'failed',
        url: undefined,
        failureReason: 'ProgressDeadlineExceeded',
        processes: [WEB, WORKER],
        readiness: [
          { process: 'web', ready: 1, desired: 1 },
          { process: 'worker', ready: 0, desired: 1 },
        ],
      }),
    ];
    renderTab(<DeployTab />, { api });

    const worker = await screen.findByTestId('kli8nt-process-worker');
    expect(worker).toHaveTextContent('worker');
    expect(countOf(worker)).toEqual({
      color: 'danger',
      said: '0/1 ready, not all ready',
    });
    expect(countOf(screen.getByTestId('kli8nt-process-web'))).toEqual({
      color: 'success',
      said: '1/1 ready, all ready',
    });
  });

  it('shows a web process with one of two pods ready as not all ready', async () => {
    api.deployments = [
      makeDeployment({
        processes: [WEB],
        readiness: [{ process: 'web', ready: 1, desired: 2 }],
      }),
    ];
    renderTab(<DeployTab />, { api });

    expect(countOf(await screen.findByTestId('kli8nt-process-web'))).toEqual({
      color: 'danger',
      said: '1/2 ready, not all ready',
    });
  });

  it('says when the counts are not reported, and a process scaled to zero', async () => {
    api.deployments = [
      makeDeployment({
        processes: [WEB, WORKER],
        // An older controller, or a process it did not count.
        readiness: [{ process: 'web', ready: 0, desired: 0 }],
      }),
    ];
    renderTab(<DeployTab />, { api });

    const web = await screen.findByTestId('kli8nt-process-web');
    expect(web).toHaveTextContent('scaled to 0');
    const worker = screen.getByTestId('kli8nt-process-worker');
    expect(worker).toHaveTextContent('ready pods not reported');
    // A deployment live before counts were reported gets no further report.
    expect(worker).not.toHaveTextContent('yet');
  });

  it('says a worker-only app has no URL instead of showing a dead one', async () => {
    api.deployments = [
      makeDeployment({ url: undefined, processes: [WORKER, RELEASE] }),
    ];
    renderTab(<DeployTab />, { api });

    await screen.findByTestId('kli8nt-process-worker');
    const glance = card('At a glance');
    expect(
      within(glance).getByText(
        'This app has no web process, so it has no URL.',
      ),
    ).toBeInTheDocument();
    expect(within(glance).queryByText('Not live')).not.toBeInTheDocument();
    expect(within(glance).queryAllByRole('link', { name: /https:/ })).toEqual(
      [],
    );
  });

  it('shows one web process with the image command when the build named none', async () => {
    api.deployments = [makeDeployment()];
    renderTab(<DeployTab />, { api });

    const web = await screen.findByTestId('kli8nt-process-web');
    expect(web).toHaveTextContent("Runs the image's own command.");
    expect(web).toHaveTextContent('ready pods not reported');
    expect(screen.queryByTestId('kli8nt-process-worker')).toBeNull();
    expect(screen.queryByText(/not a live count/)).toBeNull();
  });

  it('waits for the build before naming processes, and loads none', async () => {
    api.deployments = [
      makeDeployment({ status: 'building', image: undefined, url: undefined }),
    ];
    renderTab(<DeployTab />, { api });

    expect(
      await screen.findByText(
        'The processes are known once the image is built.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('kli8nt-process-web')).toBeNull();
  });

  it('says so when the processes cannot be loaded', async () => {
    api.deployments = [makeDeployment({ processes: [WEB] })];
    api.failures.getDeployment = new Error('backend down');
    renderTab(<DeployTab />, { api });

    expect(
      await screen.findByText('Could not load the processes'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByTestId('kli8nt-process-web')).toBeNull(),
    );
  });
});

describe('formatCommand', () => {
  it('quotes only the arguments a shell would split or expand', () => {
    expect(formatCommand(['node', 'dist/server.js'])).toBe(
      'node dist/server.js',
    );
    expect(formatCommand(['sh', '-c', `echo "$PORT" it's`])).toBe(
      `sh -c 'echo "$PORT" it'\\''s'`,
    );
  });
});
