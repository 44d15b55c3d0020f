import { ConfigReader } from '@backstage/config';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  Kli8ntMessage,
  buildQueueName,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  createGithubServer,
  onUnhandledRequest,
} from '../__testUtils__/githubServer';
import {
  componentEntity,
  startPluginBackend,
} from '../__testUtils__/pluginBackend';
import { describeWithTestEnv } from '../__testUtils__/testenv';

/*
 * A deployment that no build controller will take says so when it is
 * accepted: the real plugin on the test world's RabbitMQ, a cluster of its
 * own whose build queue has no consumer, then one.
 */

const quiet = { info() {}, warn() {}, error() {} };

describeWithTestEnv(
  ['KLI8NT_TEST_AMQP_URL'],
  'a deployment of a cluster without controllers',
  () => {
    jest.setTimeout(60_000);
    const github = createGithubServer();
    const cluster = `noconsumer-${randomBytes(3).toString('hex')}`;
    const amqp = { url: process.env.KLI8NT_TEST_AMQP_URL };
    let controller: AmqpWorkQueue<Kli8ntMessage>;

    beforeAll(async () => {
      github.server.listen({ onUnhandledRequest });
      controller = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: readKli8ntNodeConfig(
          new ConfigReader({ kli8nt: { rabbitmq: amqp } }),
        ).rabbitmq!,
        parser: parseMessage,
        logger: quiet,
      });
    });
    afterAll(async () => {
      await controller?.close();
      github.server.close();
    });

    it('says no build controller is connected, and stops saying it once one is', async () => {
      const { server } = await startPluginBackend({
        entities: [componentEntity('shop'), componentEntity('cart')],
        kli8nt: { cluster, rabbitmq: amqp },
      });
      const deploy = (name: string) =>
        request(server)
          .post('/api/kli8nt/deployments')
          .set('Authorization', mockCredentials.user.header())
          .send({ entityRef: `component:default/${name}` });

      const waiting = await deploy('shop');
      expect(waiting.status).toBe(202);
      expect(waiting.body.status).toBe('queued');
      expect(waiting.body.statusMessage).toBe(
        `Waiting in build.${cluster}: no build controller of cluster ${cluster} is connected to RabbitMQ. The build starts when one connects: start that cluster's controllers (the Helm chart, or scripts/platform up locally), or check that kli8nt.cluster names a cluster that runs them`,
      );

      const taken: string[] = [];
      await controller.consume(buildQueueName(cluster), async message => {
        taken.push(message.deploymentId);
      });
      const served = await deploy('cart');
      expect(served.status).toBe(202);
      expect(served.body.statusMessage).toBeUndefined();
      // The first one was kept, not lost: the controller gets both.
      await waitFor(() => taken.length === 2);
      expect(taken.sort()).toEqual([waiting.body.id, served.body.id].sort());
    });
  },
);

async function waitFor(condition: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise(r => setTimeout(r, 100));
  }
}
