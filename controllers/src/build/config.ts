import { clusterNameSchema } from '@kli8nt/backstage-plugin-kli8nt-common';
import type { RabbitMqConfig } from '@kli8nt/backstage-plugin-kli8nt-node';
import { z } from 'zod';
import {
  PINNED_IMAGE,
  always,
  flag,
  list,
  namespace,
  nodeSelector,
  pinnedImage,
  proxyUrl,
  quantity,
  requiredWith,
  sealingKeys,
  seconds,
  tolerations,
  variable,
} from '../configFields';
import { amqpConfig, amqpFields, roleSection } from '../configShared';

/** The variable naming each builder's image. */
const BUILDER_IMAGE = {
  kaniko: 'KLI8NT_BUILD_KANIKO_IMAGE',
  buildkit: 'KLI8NT_BUILD_BUILDKIT_IMAGE',
} as const;

const REPOSITORY = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/;

const buildSchema = z
  .object({
    ...amqpFields,
    /** Target clusters whose build queues this controller consumes. */
    KLI8NT_BUILD_CLUSTERS: variable(
      list(clusterNameSchema),
      'comma-separated cluster names such as prod,staging',
    ),
    /** Namespace of Build resources, their Jobs and Secrets. */
    KLI8NT_BUILD_NAMESPACE: namespace('kli8nt-builds'),
    /** Images are pushed to `<registry>/<app>`, e.g. `registry.example.com/apps`. */
    KLI8NT_BUILD_REGISTRY: variable(
      z.string().regex(REPOSITORY),
      'host[:port][/path] such as registry.example.com/apps',
    ),
    /** BuildKit's layer cache, per app under this repository; defaults to `<registry>/kli8nt-cache`. */
    KLI8NT_BUILD_CACHE_REPO: variable(
      z.string().regex(REPOSITORY).optional(),
      'host[:port][/path] such as registry.example.com/kli8nt-cache',
    ),
    /** A Docker Hub mirror (host[:port]) the builders pull unqualified base images from. */
    KLI8NT_BUILD_DOCKER_HUB_MIRROR: variable(
      z
        .string()
        .regex(/^[a-z0-9.-]+(:\d+)?$/)
        .optional(),
      'host[:port] such as mirror.example.com:5000',
    ),
    /**
     * A `kubernetes.io/dockerconfigjson` Secret in the build namespace with
     * push rights; mounted only in the trusted steps (cache restore, push).
     */
    KLI8NT_BUILD_PUSH_SECRET: variable(
      z.string().default('kli8nt-registry'),
      'a Secret name',
    ),
    /** Plain-HTTP or self-signed registry (development only). */
    KLI8NT_BUILD_INSECURE_REGISTRY: flag(false),
    /** `kaniko` (Pod Security baseline) or `buildkit` (rootless, privileged; cached). */
    KLI8NT_BUILD_BUILDER: variable(
      z.enum(['kaniko', 'buildkit']).default('kaniko'),
      'kaniko or buildkit',
    ),
    // No defaults: these run in every build, so operators pin their own
    // mirrors (a maintained Kaniko fork such as Chainguard's, BuildKit's
    // rootless image, a git image and a crane image). Only the configured
    // builder's image is required.
    KLI8NT_BUILD_KANIKO_IMAGE: variable(pinnedImage.optional(), PINNED_IMAGE),
    /** buildkitd + buildctl-daemonless.sh + rootlesskit, user 1000 (moby/buildkit:rootless). */
    KLI8NT_BUILD_BUILDKIT_IMAGE: variable(pinnedImage.optional(), PINNED_IMAGE),
    KLI8NT_BUILD_CLONE_IMAGE: variable(pinnedImage, PINNED_IMAGE),
    /** crane and a POSIX shell: the push and cache steps. */
    KLI8NT_BUILD_PUSH_IMAGE: variable(pinnedImage, PINNED_IMAGE),
    /** The controllers image itself, which carries `kli8nt-detect`. */
    KLI8NT_BUILD_DETECT_IMAGE: variable(
      z.string().regex(/^[^\s]+$/),
      'an image reference such as registry.example.com/kli8nt/controllers:1.0.0',
    ),
    KLI8NT_BUILD_DEADLINE_SECONDS: seconds(30 * 60, 6 * 3600),
    KLI8NT_BUILD_TTL_SECONDS: seconds(3600),
    /** How long a completed Job may take to show its digest before failing. */
    KLI8NT_BUILD_DIGEST_GRACE_SECONDS: seconds(30, 600),
    KLI8NT_BUILD_CPU_REQUEST: quantity('500m'),
    KLI8NT_BUILD_CPU_LIMIT: quantity('2'),
    KLI8NT_BUILD_MEMORY_REQUEST: quantity('1Gi'),
    KLI8NT_BUILD_MEMORY_LIMIT: quantity('4Gi'),
    /**
     * Each step's writable layer and logs (Kaniko unpacks base images into
     * its own). Only the push step runs as a regular container, so the
     * limit also caps the whole pod, emptyDirs included: keep it above
     * KLI8NT_BUILD_WORKSPACE_SIZE (and twice that with BuildKit's state).
     * The request is 0 unless set: the scheduler then reserves none, and
     * places builds on nodes that report no ephemeral storage too.
     */
    KLI8NT_BUILD_EPHEMERAL_STORAGE_REQUEST: quantity('0'),
    KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: quantity('20Gi'),
    KLI8NT_BUILD_WORKSPACE_SIZE: quantity('10Gi'),
    /** e.g. pin builds to a dedicated node pool. */
    KLI8NT_BUILD_NODE_SELECTOR: nodeSelector,
    /** Tolerate that pool's taints. */
    KLI8NT_BUILD_TOLERATIONS: tolerations,
    /**
     * A ConfigMap in the build namespace whose `ca.crt` (PEM) the clone step
     * trusts besides the system CAs (GitHub Enterprise with a private CA).
     */
    KLI8NT_BUILD_CA_CONFIGMAP: variable(
      z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/)
        .optional(),
      'a ConfigMap name',
    ),
    /** Open sealed clone tokens; without them private repositories cannot build. */
    KLI8NT_SEALING_KEYS: sealingKeys,
    /** Proxy for the clone step and the Dockerfile's RUN steps (`build.proxy`). */
    KLI8NT_BUILD_HTTP_PROXY: proxyUrl,
    KLI8NT_BUILD_HTTPS_PROXY: proxyUrl,
    /** Hosts, domains (`.example.com`) and CIDRs reached without the proxy. */
    KLI8NT_BUILD_NO_PROXY: variable(
      z
        .string()
        .regex(/^[^\s]*$/)
        .optional(),
      'a comma-separated list without spaces such as .corp,10.0.0.0/8',
    ),
  })
  .superRefine(
    requiredWith({
      KLI8NT_BUILD_BUILDER: {
        kaniko: [BUILDER_IMAGE.kaniko],
        buildkit: [BUILDER_IMAGE.buildkit],
      },
    }),
    always,
  )
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
        'ephemeral-storage': env.KLI8NT_BUILD_EPHEMERAL_STORAGE_REQUEST,
      },
      limits: {
        cpu: env.KLI8NT_BUILD_CPU_LIMIT,
        memory: env.KLI8NT_BUILD_MEMORY_LIMIT,
        'ephemeral-storage': env.KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT,
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
    amqp: amqpConfig(env),
  }));

/**
 * A build step's requests or limits. Ephemeral storage is optional so test
 * worlds whose fake nodes report none (kwok) can leave it out; the
 * configuration always sets it.
 */
export interface BuildResources {
  cpu: string;
  memory: string;
  'ephemeral-storage'?: string;
}

/** `build.proxy`: the proxy the clone step and the RUN steps go through. */
export interface BuildProxy {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** Settings of the build role. */
export interface BuildConfig
  extends Omit<z.output<typeof buildSchema>, 'clusters' | 'resources'> {
  resources: { requests: BuildResources; limits: BuildResources };
  /** Target clusters whose `build.<cluster>` queues are consumed. */
  clusters: string[];
  amqp: RabbitMqConfig;
}

/** `kli8nt-controller build`: with no clusters listed, its own is built for. */
export const buildSection = roleSection(
  buildSchema,
  ({ clusters, ...rest }, shared): BuildConfig => ({
    ...rest,
    clusters: clusters.length ? clusters : [shared.cluster],
  }),
);
