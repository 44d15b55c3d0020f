import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Kli8ntMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { openCloneToken } from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { deleteRequest } from '../ledger/requests';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { backoffMs, OutboxRelay } from './OutboxRelay';
import { OutboxStore } from './OutboxStore';

const databases = TestDatabases.create({
  ids: ['POSTGRES_15', 'SQLITE_3'],
  disableDocker: true,
});
const TOKEN = 'ghs_shortlivedinstallationtoken';
const KEY = randomBytes(32).toString('base64');

jest.setTimeout(30_000);

async function setup(
  id: TestDatabaseId,
  publish: (q: string, m: Kli8ntMessage) => Promise<void>,
  options: { maxAttempts?: number; batchSize?: number } = {},
) {
  const knex = await databases.init(id);
  const database = { getClient: async () => knex };
  const store = await DatabaseKli8ntStore.create({ database });
  const outbox = await OutboxStore.create({ database });
  const logger = mockServices.logger.mock();
  const mint = jest.fn(async () => TOKEN);
  const failDeployment = jest.fn(async () => {});
  const relay = new OutboxRelay({
    outbox,
    publisher: async () => ({ publish }),
    mintCloneToken: mint,
    cloneTokenKey: KEY,
    failDeployment,
    logger,
    pollIntervalMs: 10_000,
    batchSize: options.batchSize ?? 2,
    maxBackoffMs: 50,
    maxAttempts: options.maxAttempts ?? 20,
  });
  return { knex, store, relay, logger, mint, failDeployment };
}

function logged(logger: ReturnType<typeof mockServices.logger.mock>) {
  return JSON.stringify(
    [logger.info, logger.warn, logger.error, logger.debug].flatMap(
      fn => fn.mock.calls,
    ),
  );
}

/** An accepted deploy of another app than `testApp`'s. */
function deployOf(appName: string) {
  const d = acceptedDeploy();
  const message = {
    ...d.message,
    payload: { ...d.message.payload, app: appName },
  };
  return {
    message,
    app: {
      ...testApp,
      appName,
      entityRef: `component:default/${appName}`,
    },
    deployment: {
      ...d.deployment,
      appName,
      entityRef: `component:default/${appName}`,
    },
    outbox: { ...d.outbox, message },
  };
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise(r => setTimeout(r, 10));
  }
  if (!condition()) throw new Error(`Timed out waiting for ${what}`);
}

describeWithTestEnv(
  ['BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING'],
  'PostgreSQL test database',
  () => {
    it('is available to the relay tests', () => {
      expect(databases.supports('POSTGRES_15')).toBe(true);
    });
  },
);

describe.each(databases.eachSupportedId())('OutboxRelay on %p', id => {
  it('publishes pending rows in order with a freshly minted clone token', async () => {
    const published: Array<[string, Kli8ntMessage]> = [];
    const { store, relay, knex, mint, logger } = await setup(
      id,
      async (q, m) => {
        published.push([q, m]);
      },
    );
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
    if (first.type !== 'BuildRequested') throw new Error(first.type);
    expect(JSON.stringify(published)).not.toContain(TOKEN);
    expect(
      openCloneToken(first.payload.sealedCloneToken!, [KEY], {
        deploymentId: first.deploymentId,
        owner: 'acme',
        name: 'shop',
      }),
    ).toBe(TOKEN);
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

  it('keeps rows pending while publishing fails, then delivers them', async () => {
    let up = false;
    const published: string[] = [];
    const { store, relay, logger, knex, failDeployment } = await setup(
      id,
      async (_q, m) => {
        if (!up) throw new Error('connection refused');
        published.push(m.messageId);
      },
    );
    const d = acceptedDeploy();
    await store.createDeployment({
      deployment: d.deployment,
      app: testApp,
      outbox: [d.outbox],
    });
    relay.start();
    await new Promise(r => setTimeout(r, 200));
    const [pending] = await knex('outbox').whereNull('sent_at');
    expect(pending.attempts).toBeGreaterThan(0);
    expect(published).toEqual([]);
    up = true;
    await until(() => published.length > 0, 'the publish');
    await relay.stop();
    expect(published).toEqual([d.message.messageId]);
    expect(await knex('outbox').whereNull('sent_at')).toEqual([]);
    expect(failDeployment).not.toHaveBeenCalled();
    expect(logged(logger)).not.toContain(TOKEN);
  });

  it('keeps each app in order while a failing app waits, then parks its row and fails its deployment', async () => {
    const published: string[] = [];
    const poison = deployOf('poisoned');
    const { store, relay, knex, failDeployment, logger } = await setup(
      id,
      async (_q, m) => {
        if (m.messageId === poison.message.messageId) {
          throw new Error('Unroutable message: no queue bound');
        }
        published.push(m.messageId);
      },
      { maxAttempts: 3, batchSize: 10 },
    );
    const after = deployOf('poisoned');
    const others = [deployOf('healthy'), deployOf('healthy')];
    for (const d of [poison, others[0], after, others[1]]) {
      await store.createDeployment({
        deployment: d.deployment,
        app: d.app,
        outbox: [d.outbox],
      });
    }
    relay.start();
    // The healthy app does not wait for the poisoned one.
    await until(() => published.length >= 2, 'the healthy app');
    expect(published.slice(0, 2)).toEqual(others.map(d => d.message.messageId));
    // The poisoned app's later row waits until the poisoned row is parked.
    await until(() => published.length === 3, 'the row after the parked one');
    await relay.stop();
    expect(published[2]).toBe(after.message.messageId);

    const parked = await knex('outbox')
      .where({ message_id: poison.message.messageId })
      .first();
    expect(parked.attempts).toBe(3);
    expect(parked.parked_at).not.toBeNull();
    expect(parked.sent_at).toBeNull();
    expect(parked.last_error).toMatch(/Unroutable/);
    expect(failDeployment).toHaveBeenCalledTimes(1);
    expect(failDeployment).toHaveBeenCalledWith(
      {
        deploymentId: poison.deployment.id,
        app: 'poisoned',
        cluster: 'default',
      },
      'PublishFailed',
      expect.stringMatching(
        /could not be sent to build.default after 3 attempt\(s\): Unroutable/,
      ),
    );
    expect(logged(logger)).not.toContain(TOKEN);
  });

  it('parks an invalid row at once', async () => {
    const published: string[] = [];
    const { store, relay, knex, failDeployment } = await setup(
      id,
      async (_q, m) => {
        published.push(m.messageId);
      },
    );
    const d = acceptedDeploy();
    const broken = {
      ...d.message,
      payload: { ...d.message.payload, revision: 'x' },
    };
    await store.createDeployment({
      deployment: d.deployment,
      app: testApp,
      outbox: [{ ...d.outbox, message: broken }],
    });
    expect(await relay.publishBatch()).toBe(1);
    expect(published).toEqual([]);
    const [row] = await knex('outbox');
    expect(row.attempts).toBe(1);
    expect(row.parked_at).not.toBeNull();
    expect(failDeployment).toHaveBeenCalledWith(
      expect.objectContaining({ deploymentId: d.deployment.id }),
      'PublishFailed',
      expect.stringMatching(/Invalid outbox message/),
    );
  });

  it('never parks a delete: it retries past maxAttempts, holding back only its app, until it arrives', async () => {
    let refused = 0;
    const published: string[] = [];
    const { store, relay, knex, failDeployment, logger } = await setup(
      id,
      async (_q, m) => {
        if (m.type === 'DeleteRequested' && refused < 6) {
          refused++;
          throw new Error('Unroutable message: no queue bound');
        }
        published.push(m.messageId);
      },
      { maxAttempts: 3, batchSize: 10 },
    );
    const remove = deleteRequest({ appName: 'shop', cluster: 'default' }, 7);
    const after = acceptedDeploy();
    const other = deployOf('healthy');
    await store.enqueue([remove]);
    await store.createDeployment({
      deployment: after.deployment,
      app: testApp,
      outbox: [after.outbox],
    });
    await store.createDeployment({
      deployment: other.deployment,
      app: other.app,
      outbox: [other.outbox],
    });
    relay.start();
    await until(
      () => published.length === 3,
      'the delete and the rows after it',
    );
    await relay.stop();
    // The other app went first; shop's deploy waited for shop's delete.
    expect(published).toEqual([
      other.message.messageId,
      remove.messageId,
      after.message.messageId,
    ]);
    const row = await knex('outbox')
      .where({ message_id: remove.messageId })
      .first();
    expect(row.attempts).toBe(6);
    expect(row.parked_at).toBeNull();
    expect(row.sent_at).not.toBeNull();
    expect(failDeployment).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/attempt 3\); it must arrive, so it is not parked/),
      { error: 'Unroutable message: no queue bound' },
    );
  });

  it('does not park an invalid delete either: it backs off and stays pending', async () => {
    const published: string[] = [];
    const { store, relay, knex, failDeployment } = await setup(
      id,
      async (_q, m) => {
        published.push(m.messageId);
      },
    );
    const remove = deleteRequest({ appName: 'shop', cluster: 'default' }, 7);
    const message = remove.message as { payload: object };
    await store.enqueue([
      { ...remove, message: { ...message, payload: { sequence: 'x' } } },
    ]);
    expect(await relay.publishBatch()).toBe(1);
    // Backing off: the next pass does not take it.
    expect(await relay.publishBatch()).toBe(0);
    const [row] = await knex('outbox');
    expect(row.attempts).toBe(1);
    expect(row.parked_at).toBeNull();
    expect(row.sent_at).toBeNull();
    expect(row.last_error).toMatch(/Invalid outbox message/);
    expect(published).toEqual([]);
    expect(failDeployment).not.toHaveBeenCalled();
  });

  it('publishes right after a kick instead of waiting for the poll', async () => {
    const published: string[] = [];
    const { store, relay } = await setup(id, async (_q, m) => {
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
    await until(() => published.length > 0, 'the publish');
    await relay.stop();
    expect(published).toEqual([d.message.messageId]);
  });

  it('does not take a row of an app whose older row another replica holds', async () => {
    const published: string[] = [];
    const { store, relay, knex } = await setup(id, async (_q, m) => {
      published.push(m.messageId);
    });
    const [first, second] = [acceptedDeploy(), acceptedDeploy()];
    for (const d of [first, second]) {
      await store.createDeployment({
        deployment: d.deployment,
        app: testApp,
        outbox: [d.outbox],
      });
    }
    await knex('outbox')
      .where({ message_id: first.message.messageId })
      .update({ claimed_until: new Date(Date.now() + 60_000) });
    expect(await relay.publishBatch()).toBe(0);
    expect(published).toEqual([]);
  });
});

it('backs off exponentially with jitter up to the cap', () => {
  expect(backoffMs(1, 30_000, () => 0)).toBe(125);
  expect(backoffMs(1, 30_000, () => 1)).toBe(250);
  expect(backoffMs(4, 30_000, () => 1)).toBe(2000);
  expect(backoffMs(40, 30_000, () => 1)).toBe(30_000);
});
