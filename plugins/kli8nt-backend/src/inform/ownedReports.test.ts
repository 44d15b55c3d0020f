import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  createMessage,
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
  StatusReportMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { InMemoryWorkQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import { DeadLetterConsumer } from '../deadLetters/DeadLetterConsumer';
import { failThroughLedger } from '../deadLetters/failDeployment';
import { startSqliteLedger } from '../__testUtils__/ledger';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { InformConsumer } from './InformConsumer';
import { foreignReportProblem, ownedReports } from './ownedReports';

/*
 * Reports from INFORM through the real consumers, the real ledger and its
 * SQLite store: one from a cluster the deployment was not sent to (or one
 * posing as a portal decision) changes nothing, however it comes in.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function setup() {
  const { store, ledger } = await startSqliteLedger(databases);
  const logger = mockServices.logger.mock();
  const recordReport = ownedReports({
    store,
    record: r => ledger.record(r),
    logger,
  });
  const queue = new InMemoryWorkQueue<Kli8ntMessage>({
    parser: parseMessage,
    deliveryLimit: 2,
    retry: { initialDelayMs: 10, maxDelayMs: 10 },
  });
  // Accepted for cluster `default` (testApp's).
  const { deployment } = acceptedDeploy();
  await store.createDeployment({ deployment, app: testApp, outbox: [] });
  return { store, logger, ledger, recordReport, queue, id: deployment.id };
}

function report(
  deploymentId: string,
  payload: Partial<StatusReportMessage['payload']>,
  messageId?: string,
) {
  return createMessage('StatusReport', {
    deploymentId,
    ...(messageId ? { messageId } : {}),
    payload: {
      app: 'shop',
      cluster: 'default',
      status: 'building',
      source: 'build',
      ...payload,
    },
  });
}

async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 300 && !(await check()); i++) {
    await new Promise(r => setTimeout(r, 10));
  }
}

const SOME_ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

describe('foreignReportProblem', () => {
  it("accepts the owner cluster's controllers and an unknown deployment", () => {
    const r = report(SOME_ID, { cluster: 'prod' });
    expect(foreignReportProblem(r, 'prod')).toBeUndefined();
    expect(foreignReportProblem(r, undefined)).toBeUndefined();
    expect(
      foreignReportProblem(report(SOME_ID, { source: 'deploy' }), 'default'),
    ).toBeUndefined();
  });

  it('names another cluster, and a portal decision from a queue', () => {
    expect(foreignReportProblem(report(SOME_ID, { cluster: 'eu' }), 'us')).toBe(
      'it comes from cluster eu, but the deployment was sent to cluster us',
    );
    expect(
      foreignReportProblem(
        report(SOME_ID, { status: 'cancelled', source: 'portal' }),
        'default',
      ),
    ).toBe(
      'it claims to be a portal decision, which never comes through a queue',
    );
  });
});

describe('reports from INFORM', () => {
  it("ignores another cluster's report, even one taking the real report's id", async () => {
    const { store, logger, ledger, recordReport, queue, id } = await setup();
    const consumer = new InformConsumer({
      queue: async () => queue,
      ledger: { record: recordReport },
      logger,
    });
    consumer.start();
    const record = jest.spyOn(ledger, 'record');

    // Pre-empting the owner's `failed` report by its (predictable) id.
    const realId = '7d3c1a52-8f1e-4b6a-9c2d-3e4f5a6b7c8d';
    await queue.publish(
      INFORM_QUEUE,
      report(id, { cluster: 'staging', status: 'failed' }, realId),
    );
    await queue.publish(
      INFORM_QUEUE,
      report(id, { status: 'cancelled', source: 'portal' }),
    );
    await until(async () => logger.warn.mock.calls.length >= 2);
    expect(record).not.toHaveBeenCalled();
    expect(logger.warn.mock.calls.map(c => c[0])).toEqual([
      `Ignoring status report ${realId} of deployment ${id}: it comes from cluster staging, but the deployment was sent to cluster default`,
      expect.stringContaining(
        'it claims to be a portal decision, which never comes through a queue',
      ),
    ]);
    expect(await store.getDeployment(id)).toMatchObject({ status: 'queued' });
    expect(await store.listEvents(id)).toEqual([]);

    // The owner's report with that id still counts.
    await queue.publish(INFORM_QUEUE, report(id, { status: 'failed' }, realId));
    await until(
      async () => (await store.getDeployment(id))?.status === 'failed',
    );
    expect(await store.getDeployment(id)).toMatchObject({ status: 'failed' });
    expect(record).toHaveBeenCalledTimes(1);
    await consumer.stop();
    await queue.close();
  });

  it('ignores a foreign report that was dead-lettered too, without failing the deployment', async () => {
    const { store, logger, ledger, recordReport, queue, id } = await setup();
    // The INFORM consumer gave up on it (attempts ran out).
    await queue.consume(INFORM_QUEUE, async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    // As plugin.ts wires it: portal decisions straight to the ledger.
    const deadLetters = new DeadLetterConsumer({
      queue: async () => queue,
      failDeployment: failThroughLedger(ledger),
      recordReport,
      resendDelete: async () => false,
      logger,
      retryDelayMs: 10,
    });
    deadLetters.start();
    await queue.publish(
      INFORM_QUEUE,
      report(id, { cluster: 'staging', status: 'live' }),
    );
    await until(async () =>
      logger.warn.mock.calls.some(c => String(c[0]).startsWith('Ignoring')),
    );
    // Give a wrongly failing path the time to act.
    await new Promise(r => setTimeout(r, 100));
    expect(await store.getDeployment(id)).toMatchObject({ status: 'queued' });
    expect(await store.listEvents(id)).toEqual([]);
    await deadLetters.stop();
    await queue.close();
  });
});
