import { mockServices } from '@backstage/backend-test-utils';
import {
  INFORM_QUEUE,
  Kli8ntMessage,
  createMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  DeadLetter,
  InMemoryWorkQueue,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { healthOf } from '../health';
import { InformConsumer } from './InformConsumer';
import { DeploymentLedger } from '../ledger/DeploymentLedger';

const DEPLOYMENT = '11111111-1111-4111-8111-111111111111';

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) {
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('InformConsumer', () => {
  it('routes status reports to the ledger and dead-letters anything else', async () => {
    const queue = new InMemoryWorkQueue<Kli8ntMessage>({
      parser: parseMessage,
      deliveryLimit: 2,
    });
    const record = jest.fn(async () => undefined);
    const consumer = new InformConsumer({
      queue: async () => queue,
      ledger: { record } as unknown as DeploymentLedger,
      logger: mockServices.logger.mock(),
    });
    const letters: DeadLetter[] = [];
    await queue.consumeDeadLetters(async letter => {
      letters.push(letter);
    });
    consumer.start();

    const report = createMessage('StatusReport', {
      deploymentId: DEPLOYMENT,
      payload: {
        app: 'shop',
        cluster: 'default',
        status: 'building',
        source: 'build',
      },
    });
    await queue.publish(INFORM_QUEUE, report);
    await queue.publish(
      INFORM_QUEUE,
      createMessage('CancelRequested', {
        deploymentId: DEPLOYMENT,
        payload: { app: 'shop', cluster: 'default' },
      }),
    );
    await until(() => record.mock.calls.length > 0 && letters.length > 0);
    expect(record).toHaveBeenCalledWith(report);
    expect(letters).toEqual([
      expect.objectContaining({
        queue: INFORM_QUEUE,
        reason: expect.stringContaining('only StatusReport belongs here'),
      }),
    ]);
    await consumer.stop();
    await queue.close();
  });

  it('is healthy only while it consumes: waiting, failed and stopped are not', async () => {
    const queue = new InMemoryWorkQueue<Kli8ntMessage>({
      parser: parseMessage,
    });
    let connect!: () => void;
    const connected = new Promise<void>(resolve => {
      connect = resolve;
    });
    const consumer = new InformConsumer({
      queue: async () => {
        await connected;
        return queue;
      },
      ledger: { record: jest.fn() } as unknown as DeploymentLedger,
      logger: mockServices.logger.mock(),
    });
    expect(consumer.problem()).toBe('The inform consumer is not started');
    consumer.start();
    expect(consumer.problem()).toBe('Waiting for RabbitMQ to consume inform');
    connect();
    await until(() => consumer.problem() === undefined);
    expect(consumer.problem()).toBeUndefined();
    expect(healthOf([consumer])).toEqual({ status: 'ok' });

    await consumer.stop();
    expect(healthOf([consumer])).toEqual({
      status: 'error',
      problems: ['The inform consumer is stopped'],
    });
    await queue.close();
  });

  it('reports a consumer that could not start, and a disconnected broker', async () => {
    const failing = new InformConsumer({
      queue: async () => {
        throw new Error('ACCESS_REFUSED');
      },
      ledger: { record: jest.fn() } as unknown as DeploymentLedger,
      logger: mockServices.logger.mock(),
    });
    failing.start();
    await until(
      () => failing.problem() !== 'Waiting for RabbitMQ to consume inform',
    );
    expect(failing.problem()).toBe(
      'Could not consume inform: Error: ACCESS_REFUSED',
    );

    const queue = Object.assign(
      new InMemoryWorkQueue<Kli8ntMessage>({ parser: parseMessage }),
      { connected: true },
    );
    const consumer = new InformConsumer({
      queue: async () => queue,
      ledger: { record: jest.fn() } as unknown as DeploymentLedger,
      logger: mockServices.logger.mock(),
    });
    consumer.start();
    await until(() => consumer.problem() === undefined);
    queue.connected = false;
    expect(consumer.problem()).toMatch(/^RabbitMQ is disconnected/);
    await consumer.stop();
    await queue.close();
  });
});
