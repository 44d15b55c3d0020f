import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  createMessage,
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { InMemoryWorkQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import { Knex } from 'knex';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { DeadLetterConsumer } from './DeadLetterConsumer';
import { failThroughLedger } from './failDeployment';
import { resendThroughOutbox } from './resendDelete';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function setup() {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const logger = mockServices.logger.mock();
  const ledger = new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => {} },
    logger,
    kickRelay: () => {},
  });
  const queue = new InMemoryWorkQueue<Kli8ntMessage>({
    parser: parseMessage,
    deliveryLimit: 2,
    retry: { initialDelayMs: 10, maxDelayMs: 10 },
  });
  const consumer = new DeadLetterConsumer({
    queue: async () => queue,
    failDeployment: failThroughLedger(ledger),
    recordReport: report => ledger.record(report),
    resendDelete: resendThroughOutbox({ store, logger, delayMs: 60_000 }),
    logger,
    retryDelayMs: 10,
  });
  const d = acceptedDeploy();
  await store.createDeployment({
    deployment: d.deployment,
    app: testApp,
    outbox: [],
  });
  return {
    knex,
    store,
    ledger,
    logger,
    queue,
    consumer,
    deploymentId: d.deployment.id,
  };
}

/** The unsent DeleteRequested rows of the outbox, oldest first. */
async function pendingDeletes(knex: Knex) {
  const rows = await knex('outbox').whereNull('sent_at').orderBy('id');
  return rows
    .map(row => ({ row, message: JSON.parse(row.message) }))
    .filter(({ message }) => message.type === 'DeleteRequested');
}

/** Deletes the app; returns its DeleteRequested, as the relay sent it. */
async function deleteTheApp({
  knex,
  ledger,
}: {
  knex: Knex;
  ledger: DeploymentLedger;
}) {
  await ledger.deleteApp(testApp);
  const [sent] = await pendingDeletes(knex);
  await knex('outbox')
    .where({ id: sent.row.id })
    .update({ sent_at: new Date() });
  return sent.message;
}

/** Dead-letters `message` on deploy.default: its apiserver is unreachable. */
async function deadLetter(
  queue: InMemoryWorkQueue<Kli8ntMessage>,
  message: Kli8ntMessage,
) {
  await queue.consume('deploy.default', async () => {
    throw new Error('apiserver unavailable');
  });
  await queue.publish('deploy.default', message);
}

async function waitFor(check: () => Promise<boolean> | boolean) {
  for (let i = 0; i < 200 && !(await check()); i++) {
    await new Promise(r => setTimeout(r, 10));
  }
}

async function statusOf(
  store: DatabaseKli8ntStore,
  id: string,
  until: (status: string | undefined) => boolean,
) {
  for (let i = 0; i < 200; i++) {
    const status = (await store.getDeployment(id))?.status;
    if (until(status)) return status;
    await new Promise(r => setTimeout(r, 10));
  }
  return (await store.getDeployment(id))?.status;
}

describe('DeadLetterConsumer', () => {
  it('records a report whose INFORM attempts ran out instead of failing its deployment', async () => {
    const { store, queue, consumer, deploymentId } = await setup();
    // The INFORM consumer cannot reach its database.
    await queue.consume(INFORM_QUEUE, async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    consumer.start();
    await queue.publish(
      INFORM_QUEUE,
      createMessage('StatusReport', {
        deploymentId,
        payload: {
          app: 'shop',
          cluster: 'default',
          status: 'building',
          source: 'build',
        },
      }),
    );
    expect(await statusOf(store, deploymentId, s => s !== 'queued')).toBe(
      'building',
    );
    await consumer.stop();
    await queue.close();
  });

  it('fails the deployment of a build request that was given up on', async () => {
    const { store, queue, consumer, deploymentId } = await setup();
    await queue.consume('build.default', async () => {
      throw new Error('apiserver unavailable');
    });
    consumer.start();
    const d = acceptedDeploy();
    await queue.publish('build.default', { ...d.message, deploymentId });
    expect(await statusOf(store, deploymentId, s => s === 'failed')).toBe(
      'failed',
    );
    expect((await store.getDeployment(deploymentId))?.message).toBe(
      'BuildRequested on build.default was given up on: handler failed on attempt 2 of 2: apiserver unavailable',
    );
    await consumer.stop();
    await queue.close();
  });

  it('sends a delete that was given up on again, later, through the outbox', async () => {
    const context = await setup();
    const { knex, queue, consumer } = context;
    const lost = await deleteTheApp(context);
    const before = Date.now();
    consumer.start();
    await deadLetter(queue, lost);
    await waitFor(async () => (await pendingDeletes(knex)).length > 0);
    const again = await pendingDeletes(knex);
    expect(again).toHaveLength(1);
    expect(again[0].message.messageId).not.toBe(lost.messageId);
    expect(again[0].message.payload).toEqual(lost.payload);
    // The relay leaves it alone until the delay is over.
    expect(
      new Date(again[0].row.claimed_until).getTime(),
    ).toBeGreaterThanOrEqual(before + 60_000);
    expect(context.logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'The delete of app shop did not reach cluster default (handler failed on attempt 2 of 2: apiserver unavailable); it is sent again',
      ),
    );
    await consumer.stop();
    await queue.close();
  });

  it('drops a dead-lettered delete of an app that was deployed again since', async () => {
    const context = await setup();
    const { store, knex, logger, queue, consumer } = context;
    const lost = await deleteTheApp(context);
    const d = acceptedDeploy();
    await store.createDeployment({
      deployment: d.deployment,
      app: testApp,
      outbox: [],
    });
    consumer.start();
    await deadLetter(queue, lost);
    const dropped = () =>
      logger.info.mock.calls.some(c =>
        String(c[0]).includes('no longer stands'),
      );
    await waitFor(dropped);
    expect(dropped()).toBe(true);
    expect(await pendingDeletes(knex)).toEqual([]);
    await consumer.stop();
    await queue.close();
  });
});
