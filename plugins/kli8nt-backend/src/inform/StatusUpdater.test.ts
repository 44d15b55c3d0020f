import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  DeploymentStatus,
  StatusReportMessage,
  createMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { http, HttpResponse } from 'msw';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord, DeploymentRecord } from '../database/types';
import { OctokitGithubGateway } from '../github/GithubGateway';
import { SHA } from '../__testUtils__/githubFixtures';
import { createGithubServer } from '../__testUtils__/githubServer';
import { DefaultDeploymentNotifier } from './DeploymentNotifier';
import { StatusUpdater } from './StatusUpdater';

const github = createGithubServer();
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
beforeAll(() => github.server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => github.reset());
afterAll(() => github.server.close());

const IMAGE = `registry.local/shop@sha256:${'b'.repeat(64)}`;
const DIGEST = `sha256:${'b'.repeat(64)}`;
const URL_ = 'https://shop.apps.example.com';

const app: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: { port: 8080, replicas: 1, domains: [], env: {}, secretEnv: {} },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function deployment(
  id: string,
  createdAt: string,
  ghId: number,
): DeploymentRecord {
  return {
    id,
    entityRef: app.entityRef,
    appName: 'shop',
    cluster: 'default',
    trigger: 'manual',
    ref: 'main',
    commitSha: SHA,
    repo: { host: 'github.com', owner: 'acme', name: 'shop' },
    requestedBy: 'user:default/alice',
    status: 'queued',
    githubDeploymentId: ghId,
    createdAt,
    updatedAt: createdAt,
  };
}

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function report(
  deploymentId: string,
  status: DeploymentStatus,
  second: number,
  extra: Partial<StatusReportMessage['payload']> = {},
): StatusReportMessage {
  return createMessage('StatusReport', {
    deploymentId,
    occurredAt: `2026-01-02T00:00:${String(second).padStart(2, '0')}.000Z`,
    payload: {
      app: 'shop',
      cluster: 'default',
      status,
      source: status === 'building' || status === 'built' ? 'build' : 'deploy',
      ...extra,
    },
  });
}

function pipeline(deploymentId: string, start = 0) {
  return [
    report(deploymentId, 'building', start + 1),
    report(deploymentId, 'built', start + 2, {
      image: IMAGE,
      imageDigest: DIGEST,
    }),
    report(deploymentId, 'deploying', start + 3),
    report(deploymentId, 'live', start + 4, { url: URL_ }),
  ];
}

// A seeded shuffle, so a failure is reproducible.
function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function setup() {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const signals: Array<{ channel: string; message: any }> = [];
  const notifier = new DefaultDeploymentNotifier({
    github: OctokitGithubGateway.fromConfig(
      new ConfigReader({
        integrations: { github: [{ host: 'github.com', token: 'ghp_t' }] },
      }),
    ),
    signals: {
      publish: async (signal: any) => {
        signals.push(signal);
      },
    },
    logger: mockServices.logger.mock(),
  });
  const updater = new StatusUpdater({
    store,
    notifier,
    logger: mockServices.logger.mock(),
  });
  return { store, updater, signals };
}

const statuses = () =>
  github.requests
    .filter(r => r.path.endsWith('/statuses'))
    .map(r => ({ path: r.path, ...(r.body as object) }));

describe('StatusUpdater', () => {
  it('folds the pipeline and mirrors each change to GitHub and browsers', async () => {
    const { store, updater, signals } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    for (const r of pipeline(A)) await updater.apply(r);

    expect(await store.getDeployment(A)).toMatchObject({
      status: 'live',
      url: URL_,
      image: IMAGE,
      imageDigest: DIGEST,
      finishedAt: expect.any(String),
    });
    expect(statuses().map(s => (s as any).state)).toEqual([
      'in_progress',
      'in_progress',
      'in_progress',
      'success',
    ]);
    expect(statuses()[3]).toMatchObject({
      path: '/repos/acme/shop/deployments/1000/statuses',
      environment_url: URL_,
      description: 'live',
    });
    expect(signals.map(s => s.message.deployment.status)).toEqual([
      'building',
      'built',
      'deploying',
      'live',
    ]);
    expect(signals[0].channel).toBe('kli8nt:deployment:component:default/shop');
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'reaches the same state with duplicates and reordering (seed %i)',
    async seed => {
      const { store, updater } = await setup();
      await store.createDeployment({
        deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
        app,
        outbox: [],
      });
      const reports = pipeline(A);
      for (const r of shuffled([...reports, ...reports, reports[1]], seed)) {
        await updater.apply(r);
      }
      expect(await store.getDeployment(A)).toMatchObject({
        status: 'live',
        url: URL_,
        image: IMAGE,
        imageDigest: DIGEST,
      });
      expect(await store.listEvents(A)).toHaveLength(4);
      // GitHub ends on success, and is never told about a step back.
      const states = statuses().map(s => (s as any).state);
      expect(states[states.length - 1]).toBe('success');
      expect(states.filter(s => s === 'success')).toHaveLength(1);
    },
  );

  it('does not repeat GitHub statuses for a duplicate report', async () => {
    const { store, updater } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    const live = report(A, 'live', 9, { url: URL_ });
    await updater.apply(live);
    await updater.apply(live);
    expect(statuses()).toHaveLength(1);
  });

  it('keeps the failure reason for GitHub and the API', async () => {
    const { store, updater } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    await updater.apply(report(A, 'deploying', 1));
    await updater.apply(
      report(A, 'failed', 2, {
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image',
      }),
    );
    expect(await store.getDeployment(A)).toMatchObject({
      status: 'failed',
      reason: 'ImagePullBackOff',
    });
    expect(statuses()[1]).toMatchObject({
      state: 'failure',
      description: 'failed - ImagePullBackOff: Back-off pulling image',
    });
  });

  it('supersedes the earlier live deployment of the app', async () => {
    const { store, updater } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    await store.createDeployment({
      deployment: deployment(B, '2026-01-02T00:01:00.000Z', 1001),
      app,
      outbox: [],
    });
    await updater.apply(report(A, 'live', 10, { url: URL_ }));
    await updater.apply(report(B, 'live', 20, { url: URL_ }));
    expect((await store.getDeployment(A))!.status).toBe('superseded');
    expect((await store.getDeployment(B))!.status).toBe('live');
    expect(statuses()).toContainEqual(
      expect.objectContaining({
        path: '/repos/acme/shop/deployments/1000/statuses',
        state: 'inactive',
      }),
    );
  });

  it('supersedes a late live report of an older deployment', async () => {
    const { store, updater } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    await store.createDeployment({
      deployment: deployment(B, '2026-01-02T00:01:00.000Z', 1001),
      app,
      outbox: [],
    });
    await updater.apply(report(B, 'live', 20, { url: URL_ }));
    await updater.apply(report(A, 'live', 10, { url: URL_ }));
    expect((await store.getDeployment(A))!.status).toBe('superseded');
    expect((await store.getDeployment(B))!.status).toBe('live');
  });

  it('ignores reports for unknown deployments or another app', async () => {
    const { store, updater } = await setup();
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    expect(await updater.apply(report(B, 'live', 1))).toBeUndefined();
    const other = createMessage('StatusReport', {
      deploymentId: A,
      payload: {
        app: 'other',
        cluster: 'default',
        status: 'live',
        source: 'deploy',
      },
    });
    await updater.apply(other);
    expect((await store.getDeployment(A))!.status).toBe('queued');
    expect(await store.listEvents(A)).toEqual([]);
  });

  it('survives a GitHub outage: state is stored, mirroring is skipped', async () => {
    const { store, updater } = await setup();
    github.server.use(
      http.post(
        'https://api.github.com/repos/acme/shop/deployments/:id/statuses',
        () => new HttpResponse('boom', { status: 502 }),
      ),
    );
    await store.createDeployment({
      deployment: deployment(A, '2026-01-02T00:00:00.000Z', 1000),
      app,
      outbox: [],
    });
    await updater.apply(report(A, 'building', 1));
    expect((await store.getDeployment(A))!.status).toBe('building');
  });
});
