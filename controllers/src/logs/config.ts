import type {
  KafkaClientKind,
  LogTopicSettings,
} from '@internal/backstage-plugin-kli8nt-node';
import { z } from 'zod';
import type { FlowLimits } from './flow';
import { MIN_LINE_BYTES } from './lineReader';
import { Shard, ordinalFromHostname } from './shard';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a namespace name');

const MiB = 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;

/** Environment of the `logs` role. */
export const logsEnvSchema = z
  .object({
    /** Comma-separated namespaces whose kli8nt pods are followed; empty means all. */
    KLI8NT_LOGS_NAMESPACES: z
      .string()
      .default('')
      .transform(v =>
        v
          .split(',')
          .map(s => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(namespaceName)),
    /** How many replicas share the pods. */
    KLI8NT_LOGS_SHARD_COUNT: int(1, 1024, 1),
    /** This replica's index; defaults to the StatefulSet ordinal of HOSTNAME, else 0. */
    KLI8NT_LOGS_SHARD_INDEX: z.coerce.number().int().min(0).optional(),
    HOSTNAME: z.string().optional(),
    KLI8NT_LOGS_MAX_LINE_BYTES: int(MIN_LINE_BYTES, MiB, 16 * 1024),
    KLI8NT_LOGS_BUFFER_BYTES: int(MiB, 4096 * MiB, 64 * MiB),
    KLI8NT_LOGS_CONTAINER_BUFFER_BYTES: int(64 * 1024, 1024 * MiB, MiB),
    KLI8NT_LOGS_STALL_SECONDS: int(1, 3600, 30),
    KLI8NT_LOGS_BATCH_LINES: int(1, 100_000, 1000),
    KLI8NT_LOGS_REFRESH_SECONDS: int(10, 7 * 24 * 3600, 1800),
    KLI8NT_LOGS_RESUME_LOOKBACK_SECONDS: int(10, 30 * 24 * 3600, 900),
    /** Port of `/metrics` and `/healthz`; 0 turns the server off. */
    KLI8NT_LOGS_METRICS_PORT: int(0, 65535, 9464),
    KLI8NT_KAFKA_BROKERS: z
      .string()
      .transform(v =>
        v
          .split(',')
          .map(s => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port'))
          .min(1),
      ),
    KLI8NT_KAFKA_CLIENT: z
      .enum(['kafkajs', 'platformatic'])
      .default('platformatic'),
    KLI8NT_KAFKA_CLIENT_ID: z.string().min(1).default('kli8nt-logs'),
    KLI8NT_KAFKA_TOPIC_PARTITIONS: int(1, 1000, 1),
    KLI8NT_KAFKA_TOPIC_REPLICATION_FACTOR: int(1, 100, 1),
    KLI8NT_KAFKA_TOPIC_RETENTION_HOURS: int(1, 24 * 3650, 7 * 24),
    KLI8NT_KAFKA_TOPIC_RETENTION_BYTES: int(
      MiB,
      Number.MAX_SAFE_INTEGER,
      1024 * MiB,
    ),
    KLI8NT_KAFKA_BATCH_SIZE: int(1, 100_000, 500),
    KLI8NT_KAFKA_LINGER_MS: int(1, 10_000, 50),
  })
  .superRefine((env, ctx) => {
    const index =
      env.KLI8NT_LOGS_SHARD_INDEX ?? ordinalFromHostname(env.HOSTNAME) ?? 0;
    if (index >= env.KLI8NT_LOGS_SHARD_COUNT) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLI8NT_LOGS_SHARD_INDEX'],
        message: `replica index ${index} is not below KLI8NT_LOGS_SHARD_COUNT=${env.KLI8NT_LOGS_SHARD_COUNT}`,
      });
    }
    if (env.KLI8NT_LOGS_CONTAINER_BUFFER_BYTES > env.KLI8NT_LOGS_BUFFER_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['KLI8NT_LOGS_CONTAINER_BUFFER_BYTES'],
        message: 'must not exceed KLI8NT_LOGS_BUFFER_BYTES',
      });
    }
  })
  .transform(env => ({
    namespaces: env.KLI8NT_LOGS_NAMESPACES,
    shard: {
      index:
        env.KLI8NT_LOGS_SHARD_INDEX ?? ordinalFromHostname(env.HOSTNAME) ?? 0,
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

export type LogsConfig = z.output<typeof logsEnvSchema>;
