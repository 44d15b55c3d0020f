import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  createMessage,
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { InMemoryWorkQueue } from '@internal/backstage-plugin-kli8nt-node';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { DeadLetterConsumer } from './DeadLetterConsumer';
import { failThroughLedger } from './failDeployment';

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
    logger,
    retryDelayMs: 10,
  });
  const d = acceptedDeploy();
  await store.createDeployment({
    deployment: d.deployment,
    app: testApp,
    outbox: [],
  });
  return { store, queue, consumer, deploymentId: d.deployment.id };
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
});
