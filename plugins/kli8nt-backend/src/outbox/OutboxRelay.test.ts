import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Kli8ntMessage } from '@internal/backstage-plugin-kli8nt-common';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { backoffMs, OutboxRelay } from './OutboxRelay';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const TOKEN = 'ghs_shortlivedinstallationtoken';

async function setup(publish: (q: string, m: Kli8ntMessage) => Promise<void>) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const logger = mockServices.logger.mock();
  const mint = jest.fn(async () => TOKEN);
  const relay = new OutboxRelay({
    store,
    publisher: async () => ({ publish }),
    mintCloneToken: mint,
    logger,
    pollIntervalMs: 10_000,
    batchSize: 2,
    maxBackoffMs: 50,
  });
  return { knex, store, relay, logger, mint };
}

function logged(logger: ReturnType<typeof mockServices.logger.mock>) {
  return JSON.stringify(
    [logger.info, logger.warn, logger.error, logger.debug].flatMap(
      fn => fn.mock.calls,
    ),
  );
}

describe('OutboxRelay', () => {
  it('publishes pending rows in order with a freshly minted clone token', async () => {
    const published: Array<[string, Kli8ntMessage]> = [];
    const { store, relay, knex, mint, logger } = await setup(async (q, m) => {
      published.push([q, m]);
    });
    const deploys = [acceptedDeploy(), acceptedDeploy(), acceptedDeploy()];
    for (const d of deploys) {
      await store.createDeployment({
        deployment: d.deployment,
        app: testApp,
        outbox: [d.outbox],
      });
    }
    expect(await relay.publishBatch()).toBe(2);
    expect(await relay.publishBatch()).toBe(1);
    expect(await relay.publishBatch()).toBe(0);

    expect(published.map(([q, m]) => [q, m.messageId])).toEqual(
      deploys.map(d => ['build.default', d.message.messageId]),
    );
    const [, first] = published[0];
    expect(first.type === 'BuildRequested' && first.payload.cloneToken).toBe(
      TOKEN,
    );
    expect(mint).toHaveBeenCalledWith({
      host: 'github.com',
      owner: 'acme',
      name: 'shop',
    });
    const rows = await knex('outbox');
    expect(rows.every(r => r.sent_at !== null)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    expect(logged(logger)).not.toContain(TOKEN);
  });

  it('keeps rows pending while the broker fails, then delivers them', async () => {
    let up = false;
    const published: string[] = [];
    const { store, relay, logger } = await setup(async (_q, m) => {
      if (!up) throw new Error('connection refused');
      published.push(m.messageId);
    });
    const d = acceptedDeploy();
    await store.createDeployment({
      deployment: d.deployment,
      app: testApp,
      outbox: [d.outbox],
    });
    relay.start();
    await new Promise(r => setTimeout(r, 200));
    const [pending] = await store.pendingOutbox(10);
    expect(pending.attempts).toBeGreaterThan(0);
    expect(published).toEqual([]);
    up = true;
    for (let i = 0; i < 100 && published.length === 0; i++) {
      await new Promise(r => setTimeout(r, 20));
    }
    await relay.stop();
    expect(published).toEqual([d.message.messageId]);
    expect(await store.pendingOutbox(10)).toEqual([]);
    expect(logged(logger)).not.toContain(TOKEN);
  });

  it('publishes right after a kick instead of waiting for the poll', async () => {
    const published: string[] = [];
    const { store, relay } = await setup(async (_q, m) => {
      published.push(m.messageId);
    });
    relay.start();
    await new Promise(r => setTimeout(r, 50));
    const d = acceptedDeploy();
    await store.createDeployment({
      deployment: d.deployment,
      app: testApp,
      outbox: [d.outbox],
    });
    relay.kick();
    for (let i = 0; i < 50 && published.length === 0; i++) {
      await new Promise(r => setTimeout(r, 10));
    }
    await relay.stop();
    expect(published).toEqual([d.message.messageId]);
  });

  it('backs off exponentially with jitter up to the cap', () => {
    expect(backoffMs(1, 30_000, () => 0)).toBe(125);
    expect(backoffMs(1, 30_000, () => 1)).toBe(250);
    expect(backoffMs(4, 30_000, () => 1)).toBe(2000);
    expect(backoffMs(40, 30_000, () => 1)).toBe(30_000);
  });
});
