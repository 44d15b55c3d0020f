import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  deleteTopics,
  makeLines,
  realClient,
  topicSettings,
} from '../testing/logBus';
import {
  testenvStatus,
  restartService,
  uniqueSuffix,
  waitFor,
} from '../testing/testenv';
import { LogBusSink } from './LogBusSink';
import { LogBusSource } from './LogBusSource';
import { LogRecord } from './types';

jest.setTimeout(240_000);

const status = testenvStatus('KLI8NT_TEST_KAFKA_BROKERS');

it('has KLI8NT_TEST_KAFKA_BROKERS when the testenv is required', () => {
  expect(status).not.toBe('missing');
});

if (status === 'available')
  describe('log bus across a Kafka restart', () => {
    const topics: string[] = [];
    afterAll(() => deleteTopics(topics));

    it.each(['kafkajs', 'platformatic'] as const)(
      '%s: follow yields every line exactly once, in order per container',
      async kind => {
        const app = `t-restart-${kind}-${uniqueSuffix()}`;
        topics.push(logTopicName(app));
        const client = realClient(kind);
        const sink = new LogBusSink({
          client,
          topic: topicSettings,
          batchSize: 50,
          lingerMs: 10,
        });
        const source = new LogBusSource({
          client,
          topic: topicSettings,
          ringBufferSize: 1000,
          subscriberBufferSize: 100_000,
        });
        const received: LogRecord[] = [];
        const errors: Error[] = [];
        try {
          const containers = ['web', 'worker'];
          await sink.append(app, makeLines(20, { containers }));
          await source.subscribe(
            app,
            { tail: 20 },
            {
              onRecords: batch => {
                received.push(...batch);
              },
              onError: e => errors.push(e),
            },
          );
          const appended: string[] = makeLines(20, { containers }).map(
            l => l.line,
          );
          let restarted = false;
          let next = 20;
          const appendBatch = async () => {
            const batch = makeLines(20, { containers, from: next });
            next += 20;
            for (;;) {
              try {
                await sink.append(app, batch);
                appended.push(...batch.map(l => l.line));
                return;
              } catch {
                await new Promise(r => setTimeout(r, 500));
              }
            }
          };
          for (let i = 0; i < 4; i++) await appendBatch();
          const restart = restartService('kafka').finally(() => {
            restarted = true;
          });
          // Keep producing while the broker goes down and comes back.
          while (!restarted) {
            await appendBatch();
            await new Promise(r => setTimeout(r, 200));
          }
          for (let i = 0; i < 4; i++) await appendBatch();
          await restart;
          await waitFor(
            () => appended.every(l => received.some(r => r.line === l)),
            120_000,
            'every appended line',
          );
          await new Promise(r => setTimeout(r, 500));
          expect(errors).toEqual([]);

          // Exactly the topic's content, once, in order.
          const replay: LogRecord[] = [];
          const check = await source.subscribe(
            app,
            { cursor: '0:0' },
            {
              onRecords: batch => {
                replay.push(...batch);
              },
            },
          );
          await waitFor(
            () => replay.length >= received.length,
            60_000,
            'replay',
          );
          await check.close();
          expect(received.map(r => r.offset)).toEqual(
            replay.map(r => r.offset),
          );
          for (const container of containers) {
            const ofContainer = received
              .filter(r => r.container === container)
              .map(r => Number(r.line.split(' ')[1]));
            expect(ofContainer).toEqual([...ofContainer].sort((a, b) => a - b));
            expect(new Set(ofContainer).size).toBe(ofContainer.length);
          }
        } finally {
          await source.close();
          await sink.close();
          await client.close();
        }
      },
    );
  });
