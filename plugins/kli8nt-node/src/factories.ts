import {
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  DEFAULT_RING_BUFFER_BYTES,
  DEFAULT_SUBSCRIBER_BUFFER_BYTES,
  KafkaConfig,
  Kli8ntNodeConfig,
  LogTopicSettings,
} from './config';
import { Kli8ntLogger } from './logger';
import { LogBusClient } from './logs/client';
import { InMemoryLogBusClient } from './logs/InMemoryLogBusClient';
import { KafkaJsLogBusClient } from './logs/KafkaJsLogBusClient';
import { LogBusSink } from './logs/LogBusSink';
import { LogBusSource } from './logs/LogBusSource';
import { PlatformaticLogBusClient } from './logs/PlatformaticLogBusClient';
import { AmqpWorkQueue } from './queue/AmqpWorkQueue';
import { InMemoryWorkQueue } from './queue/InMemoryWorkQueue';
import { WorkQueue } from './queue/types';

/**
 * The work queue of kli8nt messages.
 *
 * @public
 */
export type Kli8ntWorkQueue = WorkQueue<Kli8ntMessage>;

/**
 * Creates the work queue for kli8nt messages (validated with
 * `parseMessage`): RabbitMQ when `rabbitmq` is configured, otherwise the
 * in-memory twin, with a log line saying so.
 *
 * @public
 */
export async function createKli8ntWorkQueue(options: {
  config: Kli8ntNodeConfig;
  logger: Kli8ntLogger;
}): Promise<Kli8ntWorkQueue> {
  const { config, logger } = options;
  if (!config.rabbitmq) {
    logger.warn(
      'No kli8nt.rabbitmq config: using the in-memory work queue (development only; nothing survives a restart)',
    );
    return new InMemoryWorkQueue({ parser: parseMessage });
  }
  return AmqpWorkQueue.create({
    config: config.rabbitmq,
    parser: parseMessage,
    logger,
  });
}

const devTopicSettings: LogTopicSettings = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 86_400_000,
  retentionBytes: 1024 ** 3,
  segmentMs: 86_400_000,
};

/**
 * Creates the Kafka client chosen by `kafka.client`, or the in-memory twin
 * when Kafka is not configured (with a log line saying so).
 *
 * @public
 */
export function createLogBusClient(options: {
  config: Kli8ntNodeConfig;
  logger: Kli8ntLogger;
}): LogBusClient {
  const kafka = options.config.kafka;
  if (!kafka) {
    options.logger.warn(
      'No kli8nt.kafka config: using the in-memory log bus (development only; nothing survives a restart)',
    );
    return new InMemoryLogBusClient();
  }
  const clientOptions = { brokers: kafka.brokers, clientId: kafka.clientId };
  options.logger.info(`Kafka log bus uses the ${kafka.client} client`);
  return kafka.client === 'kafkajs'
    ? new KafkaJsLogBusClient(clientOptions)
    : new PlatformaticLogBusClient(clientOptions);
}

function kafkaOrDefaults(kafka?: KafkaConfig) {
  return {
    topic: kafka?.topic ?? devTopicSettings,
    sink: kafka?.sink ?? { batchSize: 500, lingerMs: 50 },
    source: kafka?.source ?? {
      ringBufferSize: 10_000,
      ringBufferBytes: DEFAULT_RING_BUFFER_BYTES,
      subscriberBufferSize: 10_000,
      subscriberBufferBytes: DEFAULT_SUBSCRIBER_BUFFER_BYTES,
    },
  };
}

/**
 * A log sink over `client` with the configured batching and topic settings.
 *
 * @public
 */
export function createLogSink(options: {
  config: Kli8ntNodeConfig;
  client: LogBusClient;
}): LogBusSink {
  const { topic, sink } = kafkaOrDefaults(options.config.kafka);
  return new LogBusSink({ client: options.client, topic, ...sink });
}

/**
 * A log source over `client` with the configured buffers.
 *
 * @public
 */
export function createLogSource(options: {
  config: Kli8ntNodeConfig;
  client: LogBusClient;
}): LogBusSource {
  const { topic, source } = kafkaOrDefaults(options.config.kafka);
  return new LogBusSource({ client: options.client, topic, ...source });
}
