import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  DeployRequestedMessage,
  Kli8ntMessage,
  StatusReportMessage,
  createMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord } from '../database/types';
import { InformConsumer } from '../inform/InformConsumer';
import { OutboxRelay } from '../outbox/OutboxRelay';
import { OutboxStore } from '../outbox/OutboxStore';
import { DEFAULT_SETTINGS } from '../service/settings';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { DeploymentLedger } from './DeploymentLedger';

/*
 * The ledger between real brokers: PostgreSQL, the outbox relay publishing
 * to RabbitMQ, and the INFORM consumer. The test plays both controllers on
 * the queues: it reads what the portal sends and reports what a build or a
 * rollout would.
 */

const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const quiet = { info() {}, warn() {}, error() {} };
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;

describeWithTestEnv(
  [
    'KLI8NT_TEST_AMQP_URL',
    'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
  ],
  'the ledger between PostgreSQL and RabbitMQ',
  () => {
    jest.setTimeout(120_000);
    // Queues of this run only: a platform on the same test world consumes
    // `inform` (and its cluster's build/deploy queues) and would take the
    // reports this suite plays, or hand it reports of its own.
    const cluster = `ledger-${randomBytes(4).toString('hex')}`;
    const informQueue = `inform.${cluster}`;
    const app: AppRecord = {
      entityRef: 'component:default/shop',
      appName: 'shop',
      cluster,
      settings: DEFAULT_SETTINGS,
      settingsVersion: 0,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const seen: Array<{ queue: string; message: Kli8ntMessage }> = [];
    const stops: Array<() => Promise<unknown>> = [];
    let store: DatabaseKli8ntStore;
    let ledger: DeploymentLedger;
    let controllers: AmqpWorkQueue<Kli8ntMessage>;

    beforeAll(async () => {
      const { rabbitmq } = readKli8ntNodeConfig(
        new ConfigReader({
          kli8nt: { rabbitmq: { url: process.env.KLI8NT_TEST_AMQP_URL } },
        }),
      );
      const open = () =>
        AmqpWorkQueue.create<Kli8ntMessage>({
          config: rabbitmq!,
          parser: parseMessage,
          logger: quiet,
        });
      const portalQueue = await open();
      controllers = await open();
      stops.push(
        () => portalQueue.close(),
        () => controllers.close(),
      );
      for (const queue of [`build.${cluster}`, `deploy.${cluster}`]) {
        await controllers.consume(queue, async message => {
          seen.push({ queue, message });
        });
      }
      const knex = await databases.init('POSTGRES_15');
      const database = { getClient: async () => knex };
      store = await DatabaseKli8ntStore.create({ database });
      const logger = mockServices.logger.mock();
      // eslint-disable-next-line prefer-const
      let relay: OutboxRelay;
      ledger = new DeploymentLedger({
        store,
        notifier: { statusChanged: async () => undefined },
        logger,
        kickRelay: () => relay.kick(),
      });
      relay = new OutboxRelay({
        outbox: await OutboxStore.create({ database }),
        failDeployment: async () => undefined,
        maxAttempts: 3,
        publisher: async () => portalQueue,
        mintCloneToken: async () => 'ghs_token',
        logger,
        pollIntervalMs: 200,
        batchSize: 10,
        maxBackoffMs: 1000,
      });
      relay.start();
      const inform = new InformConsumer({
        queue: async () => portalQueue,
        ledger,
        logger,
        queueName: informQueue,
      });
      inform.start();
      stops.unshift(
        () => relay.stop(),
        () => inform.stop(),
      );
    });

    afterAll(async () => {
      for (const stop of stops) await stop();
    });

    async function until<T>(what: string, find: () => T | undefined) {
      for (let i = 0; i < 300; i++) {
        const found = find();
        if (found) return found;
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    }

    const sent = (type: string, deploymentId: string) =>
      seen.find(
        s => s.message.type === type && s.message.deploymentId === deploymentId,
      )?.message;

    async function report(
      deploymentId: string,
      status: StatusReportMessage['payload']['status'],
      digest?: string,
    ) {
      await controllers.publish(
        informQueue,
        createMessage('StatusReport', {
          deploymentId,
          payload: {
            app: 'shop',
            cluster,
            status,
            source: status === 'built' ? 'build' : 'deploy',
            ...(digest
              ? { image: `registry/shop@${digest}`, imageDigest: digest }
              : {}),
          },
        }),
      );
    }

    async function statusOf(id: string, status: string) {
      for (let i = 0; i < 300; i++) {
        if ((await store.getDeployment(id))?.status === status) return;
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error(
        `${id} is ${(await store.getDeployment(id))?.status}, not ${status}`,
      );
    }

    const accept = () =>
      ledger.accept({
        app,
        deployment: testDeployment(cluster),
        build: testBuildPayload(cluster),
      });

    it('slow build, then a fast one: the later request stays live', async () => {
      const slow = await accept();
      const fast = await accept();
      await until('both build requests', () =>
        [slow, fast].every(d => sent('BuildRequested', d.id)),
      );
      await report(fast.id, 'built', DIGEST('f'));
      const rollout = (await until('the fast rollout', () =>
        sent('DeployRequested', fast.id),
      )) as DeployRequestedMessage;
      await report(fast.id, 'deploying', DIGEST('f'));
      await report(fast.id, 'live', DIGEST('f'));
      await statusOf(fast.id, 'live');
      // The slow build was superseded when the fast one rolled out, and its
      // build cancelled; its late success changes nothing.
      await until('the slow build cancelled', () =>
        sent('CancelRequested', slow.id),
      );
      await report(slow.id, 'built', DIGEST('5'));
      await statusOf(slow.id, 'superseded');
      await new Promise(r => setTimeout(r, 1000));
      expect(sent('DeployRequested', slow.id)).toBeUndefined();
      expect((await store.getDeployment(fast.id))!.status).toBe('live');
      expect(rollout.payload.sequence).toBeGreaterThan(fast.sequence!);
    });

    it('settings changed during a build stay', async () => {
      const d = await accept();
      await until('the build request', () => sent('BuildRequested', d.id));
      await ledger.saveSettings({
        app,
        change: s => ({ ...s, env: { MODE: 'saved-during-build' } }),
        requestedBy: 'user:default/bob',
      });
      await report(d.id, 'built', DIGEST('c'));
      const rollout = (await until('the rollout', () =>
        seen
          .map(s => s.message)
          .find(
            m =>
              m.type === 'DeployRequested' &&
              m.deploymentId === d.id &&
              m.payload.reason === 'build',
          ),
      )) as DeployRequestedMessage;
      expect(rollout.payload.config.env).toEqual({
        MODE: 'saved-during-build',
      });
    });

    it('delete during a build stays deleted', async () => {
      const d = await accept();
      await until('the build request', () => sent('BuildRequested', d.id));
      await ledger.deleteApp((await store.getApp(app.entityRef))!);
      await until('the build cancelled', () => sent('CancelRequested', d.id));
      const deleted = await until('the delete', () =>
        seen.find(
          s =>
            s.message.type === 'DeleteRequested' &&
            s.queue === `deploy.${cluster}`,
        ),
      );
      await report(d.id, 'built', DIGEST('d'));
      await new Promise(r => setTimeout(r, 1500));
      expect(sent('DeployRequested', d.id)).toBeUndefined();
      const tombstone = (deleted.message as { payload: { sequence: number } })
        .payload.sequence;
      const rolloutSequences = seen.flatMap(s =>
        s.message.type === 'DeployRequested'
          ? [s.message.payload.sequence]
          : [],
      );
      expect(rolloutSequences.length).toBeGreaterThan(0);
      expect(Math.max(...rolloutSequences)).toBeLessThan(tombstone);
      expect(await store.getApp(app.entityRef)).toBeUndefined();
    });

    it('cancel of a build ends it cancelled and tells the build controller', async () => {
      const d = await accept();
      await until('the build request', () => sent('BuildRequested', d.id));
      const cancelled = await ledger.cancel(d, 'user:default/alice');
      expect(cancelled.status).toBe('cancelled');
      await until('the cancel request', () => sent('CancelRequested', d.id));
      await report(d.id, 'built', DIGEST('e'));
      await new Promise(r => setTimeout(r, 1000));
      expect(sent('DeployRequested', d.id)).toBeUndefined();
      expect((await store.getDeployment(d.id))!.status).toBe('cancelled');
    });
  },
);
