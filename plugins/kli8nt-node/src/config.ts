import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * RabbitMQ settings, read from `kli8nt.rabbitmq`.
 *
 * @public
 */
export interface RabbitMqConfig {
  url: string;
  exchange: string;
  deadLetterExchange: string;
  deadLetterQueue: string;
  deliveryLimit: number;
  prefetch: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Delays between attempts of a failing message; see `RetryPolicy`. */
  retry?: { initialDelayMs: number; maxDelayMs: number };
}

/**
 * Which Kafka client library backs the log bus.
 *
 * @public
 */
export type KafkaClientKind = 'kafkajs' | 'platformatic';

/**
 * Settings of the per-app log topics.
 *
 * @public
 */
export interface LogTopicSettings {
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
  retentionBytes: number;
  segmentMs: number;
}

/**
 * Kafka settings, read from `kli8nt.kafka`.
 *
 * @public
 */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  client: KafkaClientKind;
  topic: LogTopicSettings;
  sink: { batchSize: number; lingerMs: number };
  source: {
    ringBufferSize: number;
    ringBufferBytes: number;
    subscriberBufferSize: number;
    subscriberBufferBytes: number;
  };
}

/**
 * Everything kli8nt-node reads from config. A missing section means the
 * in-memory twin is used.
 *
 * @public
 */
export interface Kli8ntNodeConfig {
  rabbitmq?: RabbitMqConfig;
  kafka?: KafkaConfig;
}

/**
 * The Kafka client chosen by the benchmark (see README).
 *
 * @public
 */
export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = 'platformatic';

const DAY_MS = 24 * 60 * 60 * 1000;

/** `kli8nt.kafka.source.ringBufferBytes` by default: 16 MiB per app viewed. */
export const DEFAULT_RING_BUFFER_BYTES = 16 * 1024 ** 2;

/** `kli8nt.kafka.source.subscriberBufferBytes` by default: 16 MiB per viewer. */
export const DEFAULT_SUBSCRIBER_BUFFER_BYTES = 16 * 1024 ** 2;

/** Reads `key` of the `section` (e.g. `kli8nt.kafka`) that `config` is. */
function positiveIntOf(config: Config, section: string) {
  return (key: string, fallback: number): number => {
    const value = config.getOptionalNumber(key) ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new InputError(
        `Invalid config ${section}.${key}: expected a positive integer, got ${value}`,
      );
    }
    return value;
  };
}

function readRabbitMq(config: Config): RabbitMqConfig {
  const positiveInt = positiveIntOf(config, 'kli8nt.rabbitmq');
  const initialDelayMs = positiveInt('reconnect.initialDelayMs', 500);
  const maxDelayMs = positiveInt('reconnect.maxDelayMs', 30_000);
  const retryInitialMs = positiveInt('retry.initialDelayMs', 2000);
  const retryMaxMs = positiveInt('retry.maxDelayMs', 60_000);
  return {
    url: config.getString('url'),
    exchange: config.getOptionalString('exchange') ?? 'kli8nt',
    deadLetterExchange:
      config.getOptionalString('deadLetterExchange') ?? 'kli8nt.dlx',
    deadLetterQueue:
      config.getOptionalString('deadLetterQueue') ?? 'kli8nt.dlq',
    deliveryLimit: positiveInt('deliveryLimit', 5),
    prefetch: positiveInt('prefetch', 10),
    reconnect: {
      initialDelayMs,
      maxDelayMs: Math.max(initialDelayMs, maxDelayMs),
    },
    retry: {
      initialDelayMs: retryInitialMs,
      maxDelayMs: Math.max(retryInitialMs, retryMaxMs),
    },
  };
}

function readKafka(config: Config): KafkaConfig {
  const positiveInt = positiveIntOf(config, 'kli8nt.kafka');
  const brokers = config.getStringArray('brokers');
  if (brokers.length === 0) {
    throw new InputError('Invalid config kli8nt.kafka.brokers: empty');
  }
  const client = config.getOptionalString('client') ?? DEFAULT_KAFKA_CLIENT;
  if (client !== 'kafkajs' && client !== 'platformatic') {
    throw new InputError(
      `Invalid config kli8nt.kafka.client: expected 'kafkajs' or 'platformatic', got '${client}'`,
    );
  }
  return {
    brokers,
    clientId: config.getOptionalString('clientId') ?? 'kli8nt',
    client,
    topic: {
      partitions: positiveInt('topic.partitions', 1),
      replicationFactor: positiveInt('topic.replicationFactor', 1),
      retentionMs: positiveInt('topic.retentionMs', 7 * DAY_MS),
      retentionBytes: positiveInt('topic.retentionBytes', 1024 ** 3),
      segmentMs: positiveInt('topic.segmentMs', DAY_MS),
    },
    sink: {
      batchSize: positiveInt('sink.batchSize', 500),
      lingerMs: positiveInt('sink.lingerMs', 50),
    },
    source: {
      ringBufferSize: positiveInt('source.ringBufferSize', 10_000),
      ringBufferBytes: positiveInt(
        'source.ringBufferBytes',
        DEFAULT_RING_BUFFER_BYTES,
      ),
      subscriberBufferSize: positiveInt('source.subscriberBufferSize', 10_000),
      subscriberBufferBytes: positiveInt(
        'source.subscriberBufferBytes',
        DEFAULT_SUBSCRIBER_BUFFER_BYTES,
      ),
    },
  };
}

/**
 * Reads `kli8nt.rabbitmq` and `kli8nt.kafka` with their defaults.
 *
 * @public
 */
export function readKli8ntNodeConfig(config: Config): Kli8ntNodeConfig {
  const rabbitmq = config.getOptionalConfig('kli8nt.rabbitmq');
  const kafka = config.getOptionalConfig('kli8nt.kafka');
  return {
    rabbitmq: rabbitmq ? readRabbitMq(rabbitmq) : undefined,
    kafka: kafka ? readKafka(kafka) : undefined,
  };
}
