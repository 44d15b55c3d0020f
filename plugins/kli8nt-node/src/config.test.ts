import { ConfigReader } from '@backstage/config';
import { readKli8ntNodeConfig } from './config';

describe('readKli8ntNodeConfig', () => {
  it('returns no sections when nothing is configured', () => {
    expect(readKli8ntNodeConfig(new ConfigReader({}))).toEqual({
      rabbitmq: undefined,
      kafka: undefined,
    });
  });

  it('applies defaults', () => {
    const config = readKli8ntNodeConfig(
      new ConfigReader({
        kli8nt: {
          rabbitmq: { url: 'amqp://localhost' },
          kafka: { brokers: ['localhost:9092'] },
        },
      }),
    );
    expect(config.rabbitmq).toEqual({
      url: 'amqp://localhost',
      exchange: 'kli8nt',
      deadLetterExchange: 'kli8nt.dlx',
      deadLetterQueue: 'kli8nt.dlq',
      deliveryLimit: 5,
      prefetch: 10,
      reconnect: { initialDelayMs: 500, maxDelayMs: 30000 },
      retry: { initialDelayMs: 2000, maxDelayMs: 60000 },
    });
    expect(config.kafka).toEqual({
      brokers: ['localhost:9092'],
      clientId: 'kli8nt',
      client: 'platformatic',
      topic: {
        partitions: 1,
        replicationFactor: 1,
        retentionMs: 604800000,
        retentionBytes: 1073741824,
        segmentMs: 86400000,
      },
      sink: { batchSize: 500, lingerMs: 50 },
      source: {
        ringBufferSize: 10000,
        ringBufferBytes: 16777216,
        subscriberBufferSize: 10000,
        subscriberBufferBytes: 16777216,
      },
    });
  });

  it('reads every key', () => {
    const config = readKli8ntNodeConfig(
      new ConfigReader({
        kli8nt: {
          rabbitmq: {
            url: 'amqp://x',
            exchange: 'e',
            deadLetterExchange: 'd',
            deadLetterQueue: 'q',
            deliveryLimit: 3,
            prefetch: 2,
            reconnect: { initialDelayMs: 10, maxDelayMs: 5 },
          },
          kafka: {
            brokers: ['a:1', 'b:2'],
            clientId: 'c',
            client: 'kafkajs',
            topic: {
              partitions: 3,
              replicationFactor: 2,
              retentionMs: 1000,
              retentionBytes: 2000,
              segmentMs: 3000,
            },
            sink: { batchSize: 7, lingerMs: 8 },
            source: {
              ringBufferSize: 9,
              ringBufferBytes: 10,
              subscriberBufferSize: 11,
              subscriberBufferBytes: 12,
            },
          },
        },
      }),
    );
    expect(config.rabbitmq).toMatchObject({
      exchange: 'e',
      deadLetterExchange: 'd',
      deadLetterQueue: 'q',
      deliveryLimit: 3,
      prefetch: 2,
      reconnect: { initialDelayMs: 10, maxDelayMs: 10 },
    });
    expect(config.kafka).toEqual({
      brokers: ['a:1', 'b:2'],
      clientId: 'c',
      client: 'kafkajs',
      topic: {
        partitions: 3,
        replicationFactor: 2,
        retentionMs: 1000,
        retentionBytes: 2000,
        segmentMs: 3000,
      },
      sink: { batchSize: 7, lingerMs: 8 },
      source: {
        ringBufferSize: 9,
        ringBufferBytes: 10,
        subscriberBufferSize: 11,
        subscriberBufferBytes: 12,
      },
    });
  });

  it('rejects invalid values', () => {
    const read = (kli8nt: object) => () =>
      readKli8ntNodeConfig(new ConfigReader({ kli8nt }));
    expect(read({ rabbitmq: {} })).toThrow(/url/);
    expect(read({ rabbitmq: { url: 'amqp://x', prefetch: 0 } })).toThrow(
      /kli8nt.prefetch|prefetch/,
    );
    expect(read({ kafka: { brokers: [] } })).toThrow(/brokers/);
    expect(read({ kafka: { brokers: ['a:1'], client: 'rdkafka' } })).toThrow(
      /client/,
    );
    expect(
      read({ kafka: { brokers: ['a:1'], topic: { retentionMs: 1.5 } } }),
    ).toThrow(/retentionMs/);
    expect(
      read({ kafka: { brokers: ['a:1'], source: { ringBufferBytes: 0 } } }),
    ).toThrow(/ringBufferBytes/);
    for (const subscriberBufferBytes of [0, -1, 1.5]) {
      expect(
        read({
          kafka: { brokers: ['a:1'], source: { subscriberBufferBytes } },
        }),
      ).toThrow(
        `Invalid config kli8nt.kafka.source.subscriberBufferBytes: expected a positive integer, got ${subscriberBufferBytes}`,
      );
    }
  });
});
