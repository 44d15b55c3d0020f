import type {
  KafkaClientKind,
  LogTopicSettings,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { z } from 'zod';
import { NAMESPACE, always, integer, list, variable } from '../configFields';
import { roleSection } from '../configShared';
import type { FlowLimits } from './flow';
import { MIN_LINE_BYTES } from './lineReader';
import { Shard, ordinalFromHostname } from './shard';

const MiB = 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;

/** This replica's index: the variable, else the StatefulSet ordinal of HOSTNAME, else 0. */
const shardIndex = (env: {
  KLI8NT_LOGS_SHARD_INDEX?: number;
  HOSTNAME?: string;
}) => env.KLI8NT_LOGS_SHARD_INDEX ?? ordinalFromHostname(env.HOSTNAME) ?? 0;

const isNumber = (value: unknown): value is number => typeof value === 'number';

/** Environment of the `logs` role. */
const logsSchema = z
  .object({
    /** Comma-separated namespaces whose kli8nt pods are followed; empty means all. */
    KLI8NT_LOGS_NAMESPACES: variable(
      list(z.string().regex(NAMESPACE)),
      'comma-separated namespace names such as kli8nt-builds,kli8nt-apps',
    ),
    /** How many replicas share the pods. */
    KLI8NT_LOGS_SHARD_COUNT: integer(1, 1024, 1),
    /** This replica's index; defaults to the StatefulSet ordinal of HOSTNAME, else 0. */
    KLI8NT_LOGS_SHARD_INDEX: variable(
      z.coerce.number().int().min(0).optional(),
      'an integer of 0 or more',
    ),
    HOSTNAME: variable(z.string().optional(), 'a host name'),
    KLI8NT_LOGS_MAX_LINE_BYTES: integer(MIN_LINE_BYTES, MiB, 16 * 1024),
    KLI8NT_LOGS_BUFFER_BYTES: integer(MiB, 4096 * MiB, 64 * MiB),
    KLI8NT_LOGS_CONTAINER_BUFFER_BYTES: integer(64 * 1024, 1024 * MiB, MiB),
    KLI8NT_LOGS_STALL_SECONDS: integer(1, 3600, 30),
    KLI8NT_LOGS_BATCH_LINES: integer(1, 100_000, 1000),
    KLI8NT_LOGS_REFRESH_SECONDS: integer(10, 7 * 24 * 3600, 1800),
    KLI8NT_LOGS_RESUME_LOOKBACK_SECONDS: integer(10, 30 * 24 * 3600, 900),
    /** Port of `/metrics` and `/healthz`; 0 turns the server off. */
    KLI8NT_LOGS_METRICS_PORT: integer(0, 65535, 9464),
    KLI8NT_KAFKA_BROKERS: variable(
      list(z.string().regex(/^[^\s:/]+:\d{1,5}$/)).pipe(
        z.array(z.string()).min(1),
      ),
      'comma-separated host:port such as kafka-0:9092,kafka-1:9092',
    ),
    KLI8NT_KAFKA_CLIENT: variable(
      z.enum(['kafkajs', 'platformatic']).default('platformatic'),
      'kafkajs or platformatic',
    ),
    KLI8NT_KAFKA_CLIENT_ID: variable(
      z.string().default('kli8nt-logs'),
      'a Kafka client id',
    ),
    KLI8NT_KAFKA_TOPIC_PARTITIONS: integer(1, 1000, 1),
    KLI8NT_KAFKA_TOPIC_REPLICATION_FACTOR: integer(1, 100, 1),
    KLI8NT_KAFKA_TOPIC_RETENTION_HOURS: integer(1, 24 * 3650, 7 * 24),
    KLI8NT_KAFKA_TOPIC_RETENTION_BYTES: integer(
      MiB,
      Number.MAX_SAFE_INTEGER,
      1024 * MiB,
    ),
    KLI8NT_KAFKA_BATCH_SIZE: integer(1, 100_000, 500),
    KLI8NT_KAFKA_LINGER_MS: integer(1, 10_000, 50),
  })
  .superRefine((env, ctx) => {
    // With `always`, a bad variable is reported by itself and its value here
    // is not a number: compare only numbers.
    const index = shardIndex(env);
    const count = env.KLI8NT_LOGS_SHARD_COUNT;
    if (isNumber(index) && isNumber(count) && index >= count) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLI8NT_LOGS_SHARD_INDEX'],
        message: `replica index ${index} is not below KLI8NT_LOGS_SHARD_COUNT=${count}`,
      });
    }
    const perContainer = env.KLI8NT_LOGS_CONTAINER_BUFFER_BYTES;
    const total = env.KLI8NT_LOGS_BUFFER_BYTES;
    if (isNumber(perContainer) && isNumber(total) && perContainer > total) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLI8NT_LOGS_CONTAINER_BUFFER_BYTES'],
        message: 'must not exceed KLI8NT_LOGS_BUFFER_BYTES',
      });
    }
  }, always)
  .transform(env => ({
    namespaces: env.KLI8NT_LOGS_NAMESPACES,
    shard: {
      index: shardIndex(env),
      count: env.KLI8NT_LOGS_SHARD_COUNT,
    } satisfies Shard,
    maxLineBytes: env.KLI8NT_LOGS_MAX_LINE_BYTES,
    limits: {
      totalBytes: env.KLI8NT_LOGS_BUFFER_BYTES,
      perContainerBytes: env.KLI8NT_LOGS_CONTAINER_BUFFER_BYTES,
      stallMs: env.KLI8NT_LOGS_STALL_SECONDS * 1000,
    } satisfies FlowLimits,
    maxBatchEntries: env.KLI8NT_LOGS_BATCH_LINES,
    refreshAfterMs: env.KLI8NT_LOGS_REFRESH_SECONDS * 1000,
    resumeLookbackMs: env.KLI8NT_LOGS_RESUME_LOOKBACK_SECONDS * 1000,
    metricsPort: env.KLI8NT_LOGS_METRICS_PORT,
    kafka: {
      brokers: env.KLI8NT_KAFKA_BROKERS,
      client: env.KLI8NT_KAFKA_CLIENT as KafkaClientKind,
      clientId: env.KLI8NT_KAFKA_CLIENT_ID,
      topic: {
        partitions: env.KLI8NT_KAFKA_TOPIC_PARTITIONS,
        replicationFactor: env.KLI8NT_KAFKA_TOPIC_REPLICATION_FACTOR,
        retentionMs: env.KLI8NT_KAFKA_TOPIC_RETENTION_HOURS * 3600 * 1000,
        retentionBytes: env.KLI8NT_KAFKA_TOPIC_RETENTION_BYTES,
        segmentMs: DAY_MS,
      } satisfies LogTopicSettings,
      sink: {
        batchSize: env.KLI8NT_KAFKA_BATCH_SIZE,
        lingerMs: env.KLI8NT_KAFKA_LINGER_MS,
      },
    },
  }));

export type LogsConfig = z.output<typeof logsSchema>;

/** `kli8nt-controller logs`: needs none of the shared settings. */
export const logsSection = roleSection(
  logsSchema,
  (section): LogsConfig => section,
);
