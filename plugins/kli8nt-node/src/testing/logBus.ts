import { Kafka, logLevel } from 'kafkajs';
import { KafkaClientKind, LogTopicSettings } from '../config';
import { LogBusClient } from '../logs/client';
import { InMemoryLogBusClient } from '../logs/InMemoryLogBusClient';
import { KafkaJsLogBusClient } from '../logs/KafkaJsLogBusClient';
import { PlatformaticLogBusClient } from '../logs/PlatformaticLogBusClient';
import { LogLine } from '../logs/types';
import { testenvStatus } from './testenv';

export const topicSettings: LogTopicSettings = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 3_600_000,
  retentionBytes: 100_000_000,
  segmentMs: 600_000,
};

export type ClientCase = [
  string,
  'available' | 'skip' | 'missing',
  () => LogBusClient,
];

const brokers = () => process.env.KLI8NT_TEST_KAFKA_BROKERS!.split(',');

export function realClient(kind: KafkaClientKind): LogBusClient {
  const options = { brokers: brokers(), clientId: 'kli8nt-test' };
  return kind === 'kafkajs'
    ? new KafkaJsLogBusClient(options)
    : new PlatformaticLogBusClient(options);
}

export function clientCases(): ClientCase[] {
  const status = testenvStatus('KLI8NT_TEST_KAFKA_BROKERS');
  return [
    ['in-memory', 'available', () => new InMemoryLogBusClient()],
    ['kafkajs', status, () => realClient('kafkajs')],
    ['platformatic', status, () => realClient('platformatic')],
  ];
}

/** Deletes test topics; no-op without a broker. */
export async function deleteTopics(topics: string[]) {
  if (!process.env.KLI8NT_TEST_KAFKA_BROKERS || topics.length === 0) return;
  const admin = new Kafka({
    brokers: brokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const toDelete = topics.filter(t => existing.has(t));
    if (toDelete.length) await admin.deleteTopics({ topics: toDelete });
  } finally {
    await admin.disconnect();
  }
}

export function makeLines(
  count: number,
  options: { containers?: string[]; from?: number; prefix?: string } = {},
): LogLine[] {
  const containers = options.containers ?? ['web'];
  const from = options.from ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const container = containers[n % containers.length];
    return {
      deploymentId: '00000000-0000-4000-8000-000000000001',
      source: 'runtime' as const,
      pod: 'pod-1',
      container,
      timestamp: new Date(Date.now()).toISOString(),
      line: `${options.prefix ?? 'line'} ${n}`,
    };
  });
}
