import { TestDatabases } from '@backstage/backend-test-utils';
import {
  DeployRequestedMessage,
  Kli8ntMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  TEST_APP,
  TEST_PROCESSES,
  builtReport,
  startSqliteLedger,
} from '../__testUtils__/ledger';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { pendingOutbox } from '../__testUtils__/outbox';

/*
 * The processes of a build's plan reach every rollout of its image: the
 * build's own, and the settings changes and redeploys that copy it.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function setup() {
  const { knex, ledger } = await startSqliteLedger(databases);
  const rollouts = async () =>
    (await pendingOutbox(knex))
      .map(r => r.message as Kli8ntMessage)
      .filter((m): m is DeployRequestedMessage => m.type === 'DeployRequested');
  return { ledger, rollouts };
}

describe('processes in DEPLOY messages', () => {
  it('sends the processes the build reported, also when a settings change copies the image', async () => {
    const { ledger, rollouts } = await setup();
    const d = await ledger.accept({
      app: TEST_APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
    await ledger.record(builtReport(d.id, 'shop', TEST_PROCESSES));
    const [build] = await rollouts();
    expect(build.payload.reason).toBe('build');
    expect(build.payload.processes).toEqual(TEST_PROCESSES);
    // The settings change supersedes it (its message is withdrawn) and
    // copies the image: the processes come from the build it copied.
    await ledger.saveSettings({
      app: TEST_APP,
      change: s => ({ ...s, env: { MODE: 'after' } }),
      requestedBy: 'user:default/bob',
    });
    const config = (await rollouts()).find(m => m.payload.reason === 'config');
    expect(config?.payload.processes).toEqual(TEST_PROCESSES);
  });

  it('sends no processes when the build reported none (its own Dockerfile): one web process', async () => {
    const { ledger, rollouts } = await setup();
    const d = await ledger.accept({
      app: TEST_APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
    await ledger.record(builtReport(d.id, 'shop'));
    const [sent] = await rollouts();
    expect(sent.payload.reason).toBe('build');
    expect(sent.payload.processes).toBeUndefined();
  });
});
