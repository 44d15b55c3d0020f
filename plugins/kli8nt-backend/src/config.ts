import { Config, ConfigReader } from '@backstage/config';
import { Kli8ntLimits, parseQuantity } from './limits/limits';

/**
 * Everything the kli8nt backend reads from `kli8nt.*`, with defaults applied.
 * RabbitMQ and Kafka settings are read by kli8nt-node.
 */
export interface Kli8ntBackendConfig {
  cluster: string;
  secretKey?: string;
  github: {
    host: string;
    deployments: boolean;
    environment: string;
    trustedOrigins: string[];
  };
  outbox: {
    pollIntervalMs: number;
    batchSize: number;
    maxBackoffMs: number;
    maxAttempts: number;
  };
  /** Ends stuck deployments and removes old records (see `sweeper/`). */
  sweeper: {
    intervalSeconds: number;
    /** Minutes a deployment may stay in each non-final status. */
    deadlineMinutes: {
      queued: number;
      building: number;
      built: number;
      deploying: number;
    };
    retentionDays: number;
  };
  logs: {
    maxBufferedBytes: number;
    heartbeatIntervalMs: number;
    maxConnectionsPerUser: number;
    maxReplayLines: number;
  };
  limits: Kli8ntLimits;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function positiveInt(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `Invalid config kli8nt.${key}: expected a positive integer, got ${value}`,
    );
  }
  return value;
}

function matching(
  config: Config,
  key: string,
  pattern: RegExp,
  fallback: string,
  what: string,
): string {
  const value = config.getOptionalString(key) ?? fallback;
  if (!pattern.test(value)) {
    throw new Error(`Invalid config kli8nt.${key}: '${value}' is not ${what}`);
  }
  return value;
}

function quantity(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  try {
    if (parseQuantity(value) > 0) return value;
  } catch {
    // reported below
  }
  throw new Error(
    `Invalid config kli8nt.${key}: '${value}' is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`,
  );
}

/** Reads the `kli8nt` section once at start-up; throws on invalid values. */
export function readKli8ntBackendConfig(root: Config): Kli8ntBackendConfig {
  const config = root.getOptionalConfig('kli8nt') ?? new ConfigReader({});
  const cluster = matching(
    config,
    'cluster',
    DNS_LABEL,
    'default',
    'a DNS label',
  );
  const secretKey = config.getOptionalString('secretKey');
  return {
    cluster,
    secretKey,
    github: {
      host: config.getOptionalString('github.host') ?? 'github.com',
      deployments: config.getOptionalBoolean('github.deployments') ?? true,
      environment:
        config.getOptionalString('github.environment') ?? `kli8nt-${cluster}`,
      trustedOrigins:
        config.getOptionalStringArray('github.trustedOrigins') ?? [],
    },
    outbox: {
      pollIntervalMs: positiveInt(config, 'outbox.pollIntervalMs', 5_000),
      batchSize: positiveInt(config, 'outbox.batchSize', 50),
      maxBackoffMs: positiveInt(config, 'outbox.maxBackoffMs', 30_000),
      maxAttempts: positiveInt(config, 'outbox.maxAttempts', 20),
    },
    sweeper: {
      intervalSeconds: positiveInt(config, 'sweeper.intervalSeconds', 60),
      deadlineMinutes: {
        queued: positiveInt(config, 'sweeper.deadlineMinutes.queued', 15),
        building: positiveInt(config, 'sweeper.deadlineMinutes.building', 60),
        built: positiveInt(config, 'sweeper.deadlineMinutes.built', 15),
        deploying: positiveInt(config, 'sweeper.deadlineMinutes.deploying', 30),
      },
      retentionDays: positiveInt(config, 'sweeper.retentionDays', 30),
    },
    logs: {
      maxBufferedBytes: positiveInt(config, 'logs.maxBufferedBytes', 1 << 20),
      heartbeatIntervalMs: positiveInt(
        config,
        'logs.heartbeatIntervalMs',
        30_000,
      ),
      maxConnectionsPerUser: positiveInt(
        config,
        'logs.maxConnectionsPerUser',
        20,
      ),
      maxReplayLines: positiveInt(config, 'logs.maxReplayLines', 50_000),
    },
    limits: {
      app: {
        maxCpu: quantity(config, 'limits.app.maxCpu', '8'),
        maxMemory: quantity(config, 'limits.app.maxMemory', '16Gi'),
        defaultCpu: quantity(config, 'limits.app.defaultCpu', '1'),
        defaultMemory: quantity(config, 'limits.app.defaultMemory', '512Mi'),
      },
      builds: {
        perApp: positiveInt(config, 'limits.builds.perApp', 3),
        perCluster: positiveInt(config, 'limits.builds.perCluster', 20),
      },
    },
  };
}
