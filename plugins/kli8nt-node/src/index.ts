/**
 * Node.js library for kli8nt: RabbitMQ work queues, the Kafka log bus,
 * their in-memory twins, secret sealing and the backend service refs.
 *
 * @packageDocumentation
 */

// Only what other packages use, and the types their signatures name; the
// rest stays inside the modules.
export type { Kli8ntLogger } from './logger';
export { readKli8ntNodeConfig } from './config';
export type {
  RabbitMqConfig,
  KafkaClientKind,
  LogTopicSettings,
  KafkaConfig,
  Kli8ntNodeConfig,
} from './config';
export {
  TerminalError,
  redactText,
  processDelivery,
  InMemoryWorkQueue,
  AmqpWorkQueue,
} from './queue';
export type {
  DeliveryOutcome,
  MessageParser,
  WorkMessage,
  Delivery,
  RetryPolicy,
  WorkHandler,
  DeadLetter,
  ConsumeOptions,
  ConsumerHandle,
  WorkQueue,
} from './queue';
export {
  LogBusSink,
  LogBusSource,
  InMemoryLogBusClient,
  KafkaJsLogBusClient,
  PlatformaticLogBusClient,
  LogSubscriberOverflowError,
} from './logs';
export type {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  PartitionOffsets,
  LogLineSource,
  LogLine,
  LogRecord,
  LogSink,
  LogReplayFrom,
  LogSubscriber,
  LogSubscription,
  LogSource,
} from './logs';
export {
  sealSecret,
  openSecret,
  sealCloneToken,
  openCloneToken,
} from './secrets';
export type { SealingKey, CloneTokenBinding } from './secrets';
export {
  createKli8ntWorkQueue,
  createLogBusClient,
  createLogSink,
  createLogSource,
} from './factories';
export type { Kli8ntWorkQueue } from './factories';
export { kli8ntLogSinkServiceRef, kli8ntLogSourceServiceRef } from './services';
