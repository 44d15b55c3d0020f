import { hostname } from 'node:os';
import { clusterNameSchema } from '@kli8nt/backstage-plugin-kli8nt-common';
import type { RabbitMqConfig } from '@kli8nt/backstage-plugin-kli8nt-node';
import { z } from 'zod';
import { integer, seconds, variable } from './configFields';

/*
 * The sections more than one role reads: the settings every role shares, and
 * the work queues' broker (`amqp`, as in the variables and the chart's
 * `secrets.amqpUrl`), which the build and deploy roles read.
 */

/** Settings every role shares. */
export const sharedSchema = z
  .object({
    KLI8NT_CLUSTER: variable(
      clusterNameSchema,
      'a cluster name (a DNS label) such as prod',
    ),
    KLI8NT_RESYNC_SECONDS: seconds(300),
    KLI8NT_WATCH_STALE_SECONDS: seconds(300),
    KLI8NT_WORKERS: integer(1, 64, 2),
    KLI8NT_HEALTH_PORT: integer(0, 65535, 0),
    POD_NAME: variable(z.string().optional(), 'a pod name'),
    POD_NAMESPACE: variable(z.string().default('default'), 'a namespace'),
  })
  .transform(env => ({
    /** This cluster's name, as used in queue names (`build.<cluster>`…). */
    cluster: env.KLI8NT_CLUSTER,
    /** Every object is reconciled again at least this often. */
    resyncMs: env.KLI8NT_RESYNC_SECONDS * 1000,
    /** A watch silent this long is restarted. */
    watchStaleMs: env.KLI8NT_WATCH_STALE_SECONDS * 1000,
    workers: env.KLI8NT_WORKERS,
    /** Port of `/livez` and `/readyz`; 0 turns them off. */
    healthPort: env.KLI8NT_HEALTH_PORT,
    /** Leader election: the pod's name (its identity) and namespace. */
    podName: env.POD_NAME ?? hostname(),
    podNamespace: env.POD_NAMESPACE,
  }));

export type SharedConfig = z.output<typeof sharedSchema>;

const exchangeName = (fallback: string) =>
  variable(z.string().default(fallback), 'a RabbitMQ exchange or queue name');

/**
 * The broker's variables, spread into a role's schema, with `amqpConfig`
 * shaping them as kli8nt-node's `RabbitMqConfig` (same defaults as the
 * backend's `kli8nt.rabbitmq`).
 */
export const amqpFields = {
  KLI8NT_AMQP_URL: variable(
    z.string().regex(/^amqps?:\/\//),
    'an amqp(s) URL such as amqps://user:password@rabbitmq:5671/vhost',
    { secret: true },
  ),
  KLI8NT_AMQP_EXCHANGE: exchangeName('kli8nt'),
  KLI8NT_AMQP_DEAD_LETTER_EXCHANGE: exchangeName('kli8nt.dlx'),
  KLI8NT_AMQP_DEAD_LETTER_QUEUE: exchangeName('kli8nt.dlq'),
  KLI8NT_AMQP_DELIVERY_LIMIT: integer(1, 100, 5),
  KLI8NT_AMQP_PREFETCH: integer(1, 1000, 10),
};

type AmqpEnv = z.output<z.ZodObject<typeof amqpFields>>;

export function amqpConfig(env: AmqpEnv): RabbitMqConfig {
  return {
    url: env.KLI8NT_AMQP_URL,
    exchange: env.KLI8NT_AMQP_EXCHANGE,
    deadLetterExchange: env.KLI8NT_AMQP_DEAD_LETTER_EXCHANGE,
    deadLetterQueue: env.KLI8NT_AMQP_DEAD_LETTER_QUEUE,
    deliveryLimit: env.KLI8NT_AMQP_DELIVERY_LIMIT,
    prefetch: env.KLI8NT_AMQP_PREFETCH,
    reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 },
  };
}

/**
 * A role's section: its schema, parsed from the environment beside the
 * shared settings, and `finish`, which folds those in (a role's defaults may
 * depend on them). Registered in config.ts.
 */
export interface RoleSection<S extends z.ZodType, C> {
  schema: S;
  finish(section: z.output<S>, shared: SharedConfig): C;
}

export const roleSection = <S extends z.ZodType, C>(
  schema: S,
  finish: (section: z.output<S>, shared: SharedConfig) => C,
): RoleSection<S, C> => ({ schema, finish });
