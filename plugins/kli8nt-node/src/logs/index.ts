export * from './types';
export type {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  PartitionOffsets,
} from './client';
export { LogBusSink } from './LogBusSink';
export { LogBusSource } from './LogBusSource';
export { InMemoryLogBusClient } from './InMemoryLogBusClient';
export { KafkaJsLogBusClient } from './KafkaJsLogBusClient';
export { PlatformaticLogBusClient } from './PlatformaticLogBusClient';
