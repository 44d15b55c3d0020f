import { hostname } from 'node:os';
import { clusterNameSchema } from '@internal/backstage-plugin-kli8nt-common';
import type { RabbitMqConfig } from '@internal/backstage-plugin-kli8nt-node';
import { z } from 'zod';
import {
  DeployConfig,
  DeployConfigError,
  readDeploySection,
} from './deploy/config';
import { LogsConfig, logsEnvSchema } from './logs/config';
import {
  bool,
  clusterList,
  image,
  intFrom,
  keyValues,
  pinnedImage,
  proxyUrl,
  quantity,
  seconds,
  tolerationList,
} from './configFields';

/*
 * The controllers' configuration: environment variables, parsed and validated
 * once at start-up into typed objects. `shared` applies to every role; each
 * role has its own section (see `roleSections`), parsed only when that role
 * runs so that one role never requires another role's settings.
 */

/** A bad or missing setting; the message lists every problem by variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid controller configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Settings every role shares. */
const sharedSchema = z
  .object({
    KLI8NT_CLUSTER: clusterNameSchema,
    KLI8NT_RESYNC_SECONDS: seconds(300),
    KLI8NT_WATCH_STALE_SECONDS: seconds(300),
    KLI8NT_WORKERS: intFrom(1, 64, 2),
    KLI8NT_HEALTH_PORT: intFrom(0, 65535, 0),
    POD_NAME: z.string().min(1).optional(),
    POD_NAMESPACE: z.string().min(1).default('default'),
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

/**
 * RabbitMQ connection settings, shaped as kli8nt-node's `RabbitMqConfig`
 * (same defaults as the backend's `kli8nt.rabbitmq`). Reusable by any role
 * section that talks to the work queues.
 */
export const amqpEnvSchema = z
  .object({
    KLI8NT_AMQP_URL: z.string().regex(/^amqps?:\/\//, 'must be an amqp(s) URL'),
    KLI8NT_AMQP_EXCHANGE: z.string().min(1).default('kli8nt'),
    KLI8NT_AMQP_DEAD_LETTER_EXCHANGE: z.string().min(1).default('kli8nt.dlx'),
    KLI8NT_AMQP_DEAD_LETTER_QUEUE: z.string().min(1).default('kli8nt.dlq'),
    KLI8NT_AMQP_DELIVERY_LIMIT: intFrom(1, 100, 5),
    KLI8NT_AMQP_PREFETCH: intFrom(1, 1000, 10),
  })
  .transform(
    (env): RabbitMqConfig => ({
      url: env.KLI8NT_AMQP_URL,
      exchange: env.KLI8NT_AMQP_EXCHANGE,
      deadLetterExchange: env.KLI8NT_AMQP_DEAD_LETTER_EXCHANGE,
      deadLetterQueue: env.KLI8NT_AMQP_DEAD_LETTER_QUEUE,
      deliveryLimit: env.KLI8NT_AMQP_DELIVERY_LIMIT,
      prefetch: env.KLI8NT_AMQP_PREFETCH,
      reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 },
    }),
  );

/** The variable naming each builder's image. */ const BUILDER_IMAGE = {
  kaniko: 'KLI8NT_BUILD_KANIKO_IMAGE',
  buildkit: 'KLI8NT_BUILD_BUILDKIT_IMAGE',
} as const;

const buildEnvSchema = z
  .object({
    /** Target clusters whose build queues this controller consumes. */
    KLI8NT_BUILD_CLUSTERS: clusterList.optional(),
    /** Namespace of Build resources, their Jobs and Secrets. */
    KLI8NT_BUILD_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
      .default('kli8nt-builds'),
    /** Images are pushed to `<registry>/<app>`, e.g. `registry.example.com/apps`. */
    KLI8NT_BUILD_REGISTRY: z
      .string()
      .regex(
        /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/,
        'must be host[:port][/path]',
      ),
    /** BuildKit's layer cache, per app under this repository; defaults to `<registry>/kli8nt-cache`. */
    KLI8NT_BUILD_CACHE_REPO: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/)
      .optional(),
    /** A Docker Hub mirror (host[:port]) the builders pull unqualified base images from. */
    KLI8NT_BUILD_DOCKER_HUB_MIRROR: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/, 'must be host[:port]')
      .optional(),
    /**
     * A `kubernetes.io/dockerconfigjson` Secret in the build namespace with
     * push rights; mounted only in the trusted steps (cache restore, push).
     */
    KLI8NT_BUILD_PUSH_SECRET: z.string().min(1).default('kli8nt-registry'),
    /** Plain-HTTP or self-signed registry (development only). */
    KLI8NT_BUILD_INSECURE_REGISTRY: bool(false),
    /** `kaniko` (Pod Security baseline) or `buildkit` (rootless, privileged; cached). */
    KLI8NT_BUILD_BUILDER: z.enum(['kaniko', 'buildkit']).default('kaniko'),
    // No defaults: these run in every build, so operators pin their own
    // mirrors (a maintained Kaniko fork such as Chainguard's, BuildKit's
    // rootless image, a git image and a crane image). Only the configured
    // builder's image is required.
    KLI8NT_BUILD_KANIKO_IMAGE: pinnedImage.optional(),
    /** buildkitd + buildctl-daemonless.sh + rootlesskit, user 1000 (moby/buildkit:rootless). */
    KLI8NT_BUILD_BUILDKIT_IMAGE: pinnedImage.optional(),
    KLI8NT_BUILD_CLONE_IMAGE: pinnedImage,
    /** crane and a POSIX shell: the push and cache steps. */
    KLI8NT_BUILD_PUSH_IMAGE: pinnedImage,
    /** The controllers image itself, which carries `kli8nt-detect`. */
    KLI8NT_BUILD_DETECT_IMAGE: image,
    KLI8NT_BUILD_DEADLINE_SECONDS: seconds(30 * 60, 6 * 3600),
    KLI8NT_BUILD_TTL_SECONDS: seconds(3600),
    /** How long a completed Job may take to show its digest before failing. */
    KLI8NT_BUILD_DIGEST_GRACE_SECONDS: seconds(30, 600),
    KLI8NT_BUILD_CPU_REQUEST: quantity('500m'),
    KLI8NT_BUILD_CPU_LIMIT: quantity('2'),
    KLI8NT_BUILD_MEMORY_REQUEST: quantity('1Gi'),
    KLI8NT_BUILD_MEMORY_LIMIT: quantity('4Gi'),
    KLI8NT_BUILD_WORKSPACE_SIZE: quantity('10Gi'),
    /** `key=value,…`: e.g. pin builds to a dedicated node pool. */
    KLI8NT_BUILD_NODE_SELECTOR: keyValues,
    /** `key[=value][:Effect],…` (kubectl taint syntax): tolerate that pool's taints. */
    KLI8NT_BUILD_TOLERATIONS: tolerationList,
    /**
     * A ConfigMap in the build namespace whose `ca.crt` (PEM) the clone step
     * trusts besides the system CAs (GitHub Enterprise with a private CA).
     */
    KLI8NT_BUILD_CA_CONFIGMAP: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
        'must be a ConfigMap name',
      )
      .optional(),
    /**
     * Keys that open sealed clone tokens: the backend's `kli8nt.secretKey`
     * (comma separated, base64 or hex; the first seals, older ones open
     * during a rotation). Without them private repositories cannot build.
     */
    KLI8NT_SEALING_KEYS: z
      .string()
      .optional()
      .transform(v =>
        (v ?? '')
          .split(',')
          .map(k => k.trim())
          .filter(Boolean),
      ),
    /** Proxy for the clone step and the Dockerfile's RUN steps (`build.proxy`). */
    KLI8NT_BUILD_HTTP_PROXY: proxyUrl,
    KLI8NT_BUILD_HTTPS_PROXY: proxyUrl,
    /** Hosts, domains (`.example.com`) and CIDRs reached without the proxy. */
    KLI8NT_BUILD_NO_PROXY: z
      .string()
      .regex(/^[^\s]*$/, 'must be a comma-separated list without spaces')
      .optional(),
  })
  .superRefine((env, ctx) => {
    const variable = BUILDER_IMAGE[env.KLI8NT_BUILD_BUILDER];
    if (!env[variable]) {
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: `is required with KLI8NT_BUILD_BUILDER=${env.KLI8NT_BUILD_BUILDER}`,
      });
    }
  })
  .transform(env => ({
    clusters: env.KLI8NT_BUILD_CLUSTERS,
    builder: env.KLI8NT_BUILD_BUILDER,
    namespace: env.KLI8NT_BUILD_NAMESPACE,
    registry: env.KLI8NT_BUILD_REGISTRY,
    cacheRepo:
      env.KLI8NT_BUILD_CACHE_REPO ??
      `${env.KLI8NT_BUILD_REGISTRY}/kli8nt-cache`,
    pushSecretName: env.KLI8NT_BUILD_PUSH_SECRET,
    insecureRegistry: env.KLI8NT_BUILD_INSECURE_REGISTRY,
    dockerHubMirror: env.KLI8NT_BUILD_DOCKER_HUB_MIRROR,
    images: {
      /** The configured builder's image (checked present above). */
      builder: env[BUILDER_IMAGE[env.KLI8NT_BUILD_BUILDER]]!,
      clone: env.KLI8NT_BUILD_CLONE_IMAGE,
      detect: env.KLI8NT_BUILD_DETECT_IMAGE,
      push: env.KLI8NT_BUILD_PUSH_IMAGE,
    },
    deadlineSeconds: env.KLI8NT_BUILD_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: env.KLI8NT_BUILD_TTL_SECONDS,
    digestGraceMs: env.KLI8NT_BUILD_DIGEST_GRACE_SECONDS * 1000,
    resources: {
      requests: {
        cpu: env.KLI8NT_BUILD_CPU_REQUEST,
        memory: env.KLI8NT_BUILD_MEMORY_REQUEST,
      },
      limits: {
        cpu: env.KLI8NT_BUILD_CPU_LIMIT,
        memory: env.KLI8NT_BUILD_MEMORY_LIMIT,
      },
    },
    workspaceSize: env.KLI8NT_BUILD_WORKSPACE_SIZE,
    nodeSelector: env.KLI8NT_BUILD_NODE_SELECTOR,
    tolerations: env.KLI8NT_BUILD_TOLERATIONS,
    caConfigMap: env.KLI8NT_BUILD_CA_CONFIGMAP,
    sealingKeys: env.KLI8NT_SEALING_KEYS,
    proxy: {
      ...(env.KLI8NT_BUILD_HTTP_PROXY
        ? { httpProxy: env.KLI8NT_BUILD_HTTP_PROXY }
        : {}),
      ...(env.KLI8NT_BUILD_HTTPS_PROXY
        ? { httpsProxy: env.KLI8NT_BUILD_HTTPS_PROXY }
        : {}),
      ...(env.KLI8NT_BUILD_NO_PROXY
        ? { noProxy: env.KLI8NT_BUILD_NO_PROXY }
        : {}),
    } as BuildProxy,
  }));

/** `build.proxy`: the proxy the clone step and the RUN steps go through. */
export interface BuildProxy {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** The `build` role's section, before shared defaults are folded in. */
type BuildSection = z.output<typeof buildEnvSchema>;

/** Settings of the build role. */
export interface BuildConfig extends Omit<BuildSection, 'clusters'> {
  /** Target clusters whose `build.<cluster>` queues are consumed. */
  clusters: string[];
  amqp: RabbitMqConfig;
}

/**
 * One entry per role: parses that role's variables given the shared
 * settings. A new role adds its reader here and its name to the registry in
 * `roles.ts`.
 */
export const roleSections = {
  build: (env: Env, shared: SharedConfig): BuildConfig => {
    const { build, amqp } = parseAll(
      { build: buildEnvSchema, amqp: amqpEnvSchema },
      env,
    );
    const { clusters, ...rest } = build;
    return {
      ...rest,
      clusters: clusters?.length ? clusters : [shared.cluster],
      amqp,
    };
  },
  deploy: (env: Env, shared: SharedConfig): DeployConfig => {
    const problems: string[] = [];
    let section: Omit<DeployConfig, 'rabbitmq'> | undefined;
    let rabbitmq: RabbitMqConfig | undefined;
    try {
      section = readDeploySection(env, shared);
    } catch (error) {
      if (!(error instanceof DeployConfigError)) throw error;
      problems.push(...error.problems);
    }
    try {
      rabbitmq = parse(amqpEnvSchema, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (!section || !rabbitmq) throw new ConfigError(problems);
    return { ...section, rabbitmq };
  },
  logs: (env: Env): LogsConfig => parse(logsEnvSchema, env),
};

export type RoleName = keyof typeof roleSections;
export type RoleConfig<R extends RoleName> = ReturnType<
  (typeof roleSections)[R]
>;

export interface ControllerConfig<R extends RoleName = RoleName> {
  shared: SharedConfig;
  role: RoleConfig<R>;
}

function parse<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map(
      issue => `${issue.path.join('.') || '(env)'}: ${issue.message}`,
    ),
  );
}

const PLACEHOLDER_SHARED: SharedConfig = {
  cluster: 'invalid',
  resyncMs: 0,
  watchStaleMs: 0,
  workers: 1,
  healthPort: 0,
  podName: 'invalid',
  podNamespace: 'invalid',
};

/** Parses several schemas from `env`, reporting the problems of all of them. */
export function parseAll<S extends Record<string, z.ZodType>>(
  schemas: S,
  env: Env,
): { [K in keyof S]: z.output<S[K]> } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(schemas)) {
    try {
      out[key] = parse(schema, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as { [K in keyof S]: z.output<S[K]> };
}

/** Reads the shared settings and the given role's section from `env`. */
export function readControllerConfig<R extends RoleName>(
  role: R,
  env: Env = process.env,
): ControllerConfig<R> {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const shared = attempt(() => parse(sharedSchema, env));
  // Parsed even when the shared settings are invalid, so that one run
  // reports every problem; the placeholder is never returned.
  const section = attempt(
    () =>
      roleSections[role](env, shared ?? PLACEHOLDER_SHARED) as RoleConfig<R>,
  );
  if (problems.length > 0 || !shared || !section) {
    throw new ConfigError(problems);
  }
  return { shared, role: section };
}
