import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  DeployRequestedMessage,
  Kli8ntMessage,
  Process,
  createMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord } from '../database/types';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { DEFAULT_SETTINGS } from '../service/settings';
import { DeploymentLedger } from './DeploymentLedger';

/*
 * The processes of a build's plan reach every rollout of its image: the
 * build's own, and the settings changes and redeploys that copy it.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const APP: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: DEFAULT_SETTINGS,
  settingsVersion: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const DIGEST = `sha256:${'b'.repeat(64)}`;
const PROCESSES: Process[] = [
  { name: 'web', type: 'web', command: ['sh', '-c', 'python serve.py'] },
  { name: 'worker', type: 'worker', command: ['sh', '-c', 'python w.py'] },
  { name: 'release', type: 'release', command: ['sh', '-c', 'python m.py'] },
];

function built(deploymentId: string, processes?: Process[]) {
  return createMessage('StatusReport', {
    deploymentId,
    payload: {
      app: 'shop',
      cluster: 'default',
      status: 'built',
      image: `registry/shop@${DIGEST}`,
      imageDigest: DIGEST,
      source: 'build',
      plan: {
        stack: 'python',
        port: 8080,
        ...(processes ? { processes } : {}),
      },
    },
  });
}

async function setup() {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const ledger = new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => undefined },
    logger: mockServices.logger.mock(),
    kickRelay: () => undefined,
  });
  const rollouts = async () =>
    (await store.pendingOutbox(1000))
      .map(r => r.message as Kli8ntMessage)
      .filter((m): m is DeployRequestedMessage => m.type === 'DeployRequested');
  return { ledger, rollouts };
}

describe('processes in DEPLOY messages', () => {
  it('sends the processes the build reported, also when a settings change copies the image', async () => {
    const { ledger, rollouts } = await setup();
    const d = await ledger.accept({
      app: APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
    await ledger.record(built(d.id, PROCESSES));
    const [build] = await rollouts();
    expect(build.payload.reason).toBe('build');
    expect(build.payload.processes).toEqual(PROCESSES);
    // The settings change supersedes it (its message is withdrawn) and
    // copies the image: the processes come from the build it copied.
    await ledger.saveSettings({
      app: APP,
      change: s => ({ ...s, env: { MODE: 'after' } }),
      requestedBy: 'user:default/bob',
    });
    const config = (await rollouts()).find(m => m.payload.reason === 'config');
    expect(config?.payload.processes).toEqual(PROCESSES);
  });

  it('sends no processes when the build reported none (its own Dockerfile): one web process', async () => {
    const { ledger, rollouts } = await setup();
    const d = await ledger.accept({
      app: APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
    await ledger.record(built(d.id));
    const [sent] = await rollouts();
    expect(sent.payload.reason).toBe('build');
    expect(sent.payload.processes).toBeUndefined();
  });
});
