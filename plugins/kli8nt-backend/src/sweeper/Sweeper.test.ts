import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { failThroughLedger } from '../deadLetters/failDeployment';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { Sweeper } from './Sweeper';

const databases = TestDatabases.create({
  ids: ['POSTGRES_15', 'SQLITE_3'],
  disableDocker: true,
});

jest.setTimeout(30_000);

const config = {
  intervalSeconds: 60,
  deadlineMinutes: { queued: 15, building: 60, built: 15, deploying: 30 },
  retentionDays: 30,
};
const MINUTE = 60_000;

async function setup(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const database = { getClient: async () => knex };
  const store = await DatabaseKli8ntStore.create({ database });
  const logger = mockServices.logger.mock();
  const ledger = new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => {} },
    logger,
    kickRelay: () => {},
  });
  const sweeper = await Sweeper.create({
    database,
    failDeployment: failThroughLedger(ledger),
    logger,
    config,
  });
  return { knex, store, sweeper };
}

describe.each(databases.eachSupportedId())('Sweeper on %p', id => {
  it('ends deployments stuck past their status deadline and leaves the others', async () => {
    const { knex, store, sweeper } = await setup(id);
    const now = new Date();
    const ago = (minutes: number) =>
      new Date(now.getTime() - minutes * MINUTE).toISOString();
    const cases = {
      stuckQueued: { status: 'queued', updatedAt: ago(16) },
      freshQueued: { status: 'queued', updatedAt: ago(14) },
      buildingLong: { status: 'building', updatedAt: ago(59) },
      stuckBuilding: { status: 'building', updatedAt: ago(61) },
      oldLive: { status: 'live', updatedAt: ago(6000) },
    } as const;
    const ids: Record<string, string> = {};
    for (const [name, state] of Object.entries(cases)) {
      const d = acceptedDeploy();
      ids[name] = d.deployment.id;
      await store.createDeployment({
        deployment: { ...d.deployment, ...state },
        app: testApp,
        outbox: [],
      });
    }

    expect(await sweeper.sweep(now)).toEqual({ ended: 2, deletedOutbox: 0 });

    const status = async (name: string) =>
      (await store.getDeployment(ids[name]))!;
    expect(await status('stuckQueued')).toMatchObject({
      status: 'failed',
      reason: 'Stuck',
      message: expect.stringMatching(
        /No progress for over 15 minutes while queued, waiting for a build controller to take the build \(kli8nt.sweeper.deadlineMinutes.queued\)/,
      ),
    });
    expect(await status('stuckBuilding')).toMatchObject({
      status: 'failed',
      reason: 'Stuck',
    });
    expect((await status('freshQueued')).status).toBe('queued');
    expect((await status('buildingLong')).status).toBe('building');
    expect((await status('oldLive')).status).toBe('live');
    // A second run finds nothing more to end.
    expect(await sweeper.sweep(now)).toEqual({ ended: 0, deletedOutbox: 0 });
    expect(await knex('deployments').where({ status: 'failed' })).toHaveLength(
      2,
    );
  });

  it('deletes sent and parked outbox rows after the retention period, not pending ones', async () => {
    const { knex, store, sweeper } = await setup(id);
    const now = new Date();
    const rows = [
      acceptedDeploy(),
      acceptedDeploy(),
      acceptedDeploy(),
      acceptedDeploy(),
    ];
    for (const d of rows) {
      await store.createDeployment({
        deployment: d.deployment,
        app: testApp,
        outbox: [d.outbox],
      });
    }
    const old = new Date(now.getTime() - 31 * 86_400_000);
    const recent = new Date(now.getTime() - 29 * 86_400_000);
    const byMessage = (i: number) =>
      knex('outbox').where({ message_id: rows[i].message.messageId });
    await byMessage(0).update({ sent_at: old });
    await byMessage(1).update({ parked_at: old });
    await byMessage(2).update({ sent_at: recent });

    expect((await sweeper.sweep(now)).deletedOutbox).toBe(2);
    const left = (await knex('outbox')).map(r => r.message_id).sort();
    expect(left).toEqual(
      [rows[2].message.messageId, rows[3].message.messageId].sort(),
    );
  });
});
