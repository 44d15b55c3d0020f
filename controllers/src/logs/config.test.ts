import { ConfigError, readControllerConfig } from '../config';

const base = {
  KLI8NT_CLUSTER: 'dev',
  KLI8NT_KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
};

describe('logs role configuration', () => {
  it('has defaults for everything but the brokers', () => {
    const { role } = readControllerConfig('logs', base);
    expect(role).toEqual({
      namespaces: [],
      shard: { index: 0, count: 1 },
      maxLineBytes: 16384,
      limits: {
        totalBytes: 64 * 1024 * 1024,
        perContainerBytes: 1024 * 1024,
        stallMs: 30_000,
      },
      maxBatchEntries: 1000,
      refreshAfterMs: 1_800_000,
      resumeLookbackMs: 900_000,
      metricsPort: 9464,
      kafka: {
        brokers: ['kafka-0:9092', 'kafka-1:9092'],
        client: 'platformatic',
        clientId: 'kli8nt-logs',
        topic: {
          partitions: 1,
          replicationFactor: 1,
          retentionMs: 7 * 24 * 3600 * 1000,
          retentionBytes: 1024 * 1024 * 1024,
          segmentMs: 24 * 3600 * 1000,
        },
        sink: { batchSize: 500, lingerMs: 50 },
      },
    });
  });

  it('reads namespaces, shard and limits', () => {
    const { role } = readControllerConfig('logs', {
      ...base,
      KLI8NT_LOGS_NAMESPACES: 'apps, kli8nt-builds',
      KLI8NT_LOGS_SHARD_COUNT: '3',
      KLI8NT_LOGS_SHARD_INDEX: '2',
      KLI8NT_LOGS_MAX_LINE_BYTES: '4096',
      KLI8NT_KAFKA_CLIENT: 'kafkajs',
    });
    expect(role.namespaces).toEqual(['apps', 'kli8nt-builds']);
    expect(role.shard).toEqual({ index: 2, count: 3 });
    expect(role.maxLineBytes).toBe(4096);
    expect(role.kafka.client).toBe('kafkajs');
  });

  it('takes the replica index from a StatefulSet hostname', () => {
    const { role } = readControllerConfig('logs', {
      ...base,
      HOSTNAME: 'kli8nt-logs-1',
      KLI8NT_LOGS_SHARD_COUNT: '2',
    });
    expect(role.shard).toEqual({ index: 1, count: 2 });
  });

  it('reports every problem', () => {
    let error: unknown;
    try {
      readControllerConfig('logs', {
        KLI8NT_CLUSTER: 'dev',
        KLI8NT_KAFKA_BROKERS: 'kafka',
        KLI8NT_LOGS_SHARD_COUNT: '2',
        KLI8NT_LOGS_SHARD_INDEX: '2',
        KLI8NT_LOGS_NAMESPACES: 'Bad_NS',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'KLI8NT_LOGS_NAMESPACES: expected comma-separated namespace names such as kli8nt-builds,kli8nt-apps, got "Bad_NS"',
      'KLI8NT_KAFKA_BROKERS: expected comma-separated host:port such as kafka-0:9092,kafka-1:9092, got "kafka"',
      'KLI8NT_LOGS_SHARD_INDEX: replica index 2 is not below KLI8NT_LOGS_SHARD_COUNT=2',
    ]);
  });

  it('refuses a container buffer larger than the whole buffer', () => {
    expect(() =>
      readControllerConfig('logs', {
        ...base,
        KLI8NT_LOGS_BUFFER_BYTES: String(2 * 1024 * 1024),
        KLI8NT_LOGS_CONTAINER_BUFFER_BYTES: String(3 * 1024 * 1024),
      }),
    ).toThrow(
      'KLI8NT_LOGS_CONTAINER_BUFFER_BYTES: must not exceed KLI8NT_LOGS_BUFFER_BYTES',
    );
  });

  it('requires the brokers', () => {
    expect(() =>
      readControllerConfig('logs', { KLI8NT_CLUSTER: 'dev' }),
    ).toThrow('KLI8NT_KAFKA_BROKERS: is required');
  });
});
