import {
  INFORM_QUEUE,
  dnsNameSchema,
  resourceQuantitySchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { RabbitMqConfig } from '@kli8nt/backstage-plugin-kli8nt-node';
import type { V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';
import {
  LABEL_KEY,
  always,
  checkedWith,
  integer,
  keyValues,
  namespace,
  nodeSelector,
  requiredWith,
  sealingKeys,
  seconds,
  tolerations,
  variable,
} from '../configFields';
import {
  SharedConfig,
  amqpConfig,
  amqpFields,
  roleSection,
} from '../configShared';
import { ExposureSpec, ResourceList, TlsSpec } from './types';

/** Everything the deploy role reads from its environment, parsed once. */
export interface DeployConfig
  extends Pick<
    SharedConfig,
    'cluster' | 'resyncMs' | 'watchStaleMs' | 'workers'
  > {
  amqp: RabbitMqConfig;
  /** Queue status reports go to; `inform` except in tests. */
  informQueue: string;
  /** Namespace of Apps and everything they own. */
  namespace: string;
  /** Apps are served at `<app>.<appsDomain>`. */
  appsDomain: string;
  tls: TlsSpec;
  exposure: ExposureSpec;
  /** Keys that open sealed secret env values; the first seals new ones. */
  sealingKeys: string[];
  defaultRequests: ResourceList;
  defaultLimits: ResourceList;
  /** Extra node selector for app pods (a dedicated node pool). */
  nodeSelector: Record<string, string>;
  /** Taints app pods tolerate (a dedicated, tainted node pool). */
  tolerations: V1Toleration[];
  progressDeadlineSeconds: number;
  /** How many live releases an App's status keeps for rollback. */
  releaseHistory: number;
  /** How often an App whose rollout is in progress is looked at again. */
  pollMs: number;
  /** How long a deleted app's tombstone refuses older messages. */
  tombstoneRetentionMs: number;
}

const RESOURCE_KEYS = ['cpu', 'memory', 'ephemeral-storage'] as const;

/** `cpu=…,memory=…,ephemeral-storage=…`, each falling back to `fallback`'s. */
const resources = (fallback: Required<ResourceList>) =>
  variable(
    keyValues.transform((list, ctx): Required<ResourceList> => {
      for (const [key, value] of Object.entries(list)) {
        if (!(RESOURCE_KEYS as readonly string[]).includes(key)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown resource '${key}'`,
          });
        } else if (!resourceQuantitySchema.safeParse(value).success) {
          ctx.addIssue({
            code: 'custom',
            message: `${key} '${value}' is not a quantity`,
          });
        }
      }
      return Object.fromEntries(
        RESOURCE_KEYS.map(key => [key, list[key] ?? fallback[key]]),
      ) as Required<ResourceList>;
    }),
    `cpu=<quantity>,memory=<quantity>,ephemeral-storage=<quantity> such as cpu=${fallback.cpu},memory=${fallback.memory},ephemeral-storage=${fallback['ephemeral-storage']}`,
  );

const name = (what: string) => variable(z.string().optional(), what);

/** Checked only in their mode (`checkedWith` in deploySchema). */
const issuerAnnotationKey = variable(
  z.string().regex(LABEL_KEY).optional(),
  'an annotation key such as cert-manager.io/cluster-issuer',
);
const gatewayRef = variable(
  z
    .string()
    .regex(/^[^/]+\/[^/]+$/)
    .optional(),
  'namespace/name such as gateways/public',
);

/**
 * The deploy role's variables (the cluster, workers and resync settings are
 * the shared ones, the broker's are `amqpFields`). TLS: `cert-manager` (a
 * certificate per app from `KLI8NT_TLS_CLUSTER_ISSUER`, named in the Ingress
 * annotation `KLI8NT_TLS_ISSUER_ANNOTATION`, cert-manager's if unset),
 * `wildcard` (the Secret `KLI8NT_TLS_WILDCARD_SECRET` in the apps namespace)
 * or `none`. Exposure: `ingress` (`KLI8NT_INGRESS_CLASS` optional) or
 * `gateway` (`KLI8NT_GATEWAY` = namespace/name, `KLI8NT_GATEWAY_SECTION`
 * optional). App pods go to a tainted pool with e.g.
 * `KLI8NT_DEPLOY_NODE_SELECTOR=pool=apps` and
 * `KLI8NT_DEPLOY_TOLERATIONS=pool=apps:NoSchedule`. A deleted app's
 * tombstone is kept `KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS` (default a
 * day, at least 600).
 */
const deployVariables = z.object({
  ...amqpFields,
  KLI8NT_APPS_DOMAIN: variable(
    dnsNameSchema,
    'a DNS name such as apps.example.com',
  ),
  KLI8NT_APPS_NAMESPACE: namespace('kli8nt-apps'),
  KLI8NT_INFORM_QUEUE: variable(
    z.string().default(INFORM_QUEUE),
    'a queue name',
  ),
  KLI8NT_TLS_MODE: variable(
    z.enum(['cert-manager', 'wildcard', 'none']).default('cert-manager'),
    'cert-manager, wildcard or none',
  ),
  KLI8NT_TLS_CLUSTER_ISSUER: name('an issuer name such as letsencrypt'),
  // Checked only in its mode, as KLI8NT_GATEWAY (see checkedWith below).
  KLI8NT_TLS_ISSUER_ANNOTATION: name('an annotation key'),
  KLI8NT_TLS_WILDCARD_SECRET: name('a Secret name'),
  KLI8NT_EXPOSURE: variable(
    z.enum(['ingress', 'gateway']).default('ingress'),
    'ingress or gateway',
  ),
  KLI8NT_INGRESS_CLASS: name('an IngressClass name'),
  KLI8NT_GATEWAY: name('namespace/name'),
  KLI8NT_GATEWAY_SECTION: name('a Gateway listener name'),
  KLI8NT_SEALING_KEYS: sealingKeys,
  // The ephemeral storage limit bounds what an app writes to its
  // container's disk (files, logs): the kubelet evicts the pod over it, so
  // one app cannot fill a node and get the others evicted. Its request is 0
  // (the scheduler reserves none) unless set: nodes that report no
  // ephemeral storage (virtual kubelets, kwok) schedule no pod requesting it.
  KLI8NT_DEPLOY_DEFAULT_REQUESTS: resources({
    cpu: '100m',
    memory: '128Mi',
    'ephemeral-storage': '0',
  }),
  KLI8NT_DEPLOY_DEFAULT_LIMITS: resources({
    cpu: '1',
    memory: '512Mi',
    'ephemeral-storage': '1Gi',
  }),
  KLI8NT_DEPLOY_NODE_SELECTOR: nodeSelector,
  KLI8NT_DEPLOY_TOLERATIONS: tolerations,
  KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: integer(5, 86_400, 600),
  KLI8NT_DEPLOY_RELEASE_HISTORY: integer(1, 100, 10),
  KLI8NT_DEPLOY_POLL_SECONDS: seconds(10, 3600),
  // A deleted app's tombstone refuses messages still on their way for the
  // app (a redelivered deploy, say), then is deleted: at least 10 minutes.
  KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: integer(600, 7 * 86_400, 86_400),
});

type DeployEnv = z.output<typeof deployVariables>;

const deploySchema = deployVariables
  .superRefine(
    requiredWith({
      KLI8NT_TLS_MODE: {
        'cert-manager': ['KLI8NT_TLS_CLUSTER_ISSUER'],
        wildcard: ['KLI8NT_TLS_WILDCARD_SECRET'],
      },
      KLI8NT_EXPOSURE: { gateway: ['KLI8NT_GATEWAY'] },
    }),
    always,
  )
  .superRefine(
    checkedWith({
      KLI8NT_TLS_MODE: {
        'cert-manager': { KLI8NT_TLS_ISSUER_ANNOTATION: issuerAnnotationKey },
      },
      KLI8NT_EXPOSURE: { gateway: { KLI8NT_GATEWAY: gatewayRef } },
    }),
    always,
  )
  .transform(env => ({
    amqp: amqpConfig(env),
    informQueue: env.KLI8NT_INFORM_QUEUE,
    namespace: env.KLI8NT_APPS_NAMESPACE,
    appsDomain: env.KLI8NT_APPS_DOMAIN,
    tls: tlsSpec(env),
    exposure: exposureSpec(env),
    sealingKeys: env.KLI8NT_SEALING_KEYS,
    defaultRequests: env.KLI8NT_DEPLOY_DEFAULT_REQUESTS,
    defaultLimits: env.KLI8NT_DEPLOY_DEFAULT_LIMITS,
    nodeSelector: env.KLI8NT_DEPLOY_NODE_SELECTOR,
    tolerations: env.KLI8NT_DEPLOY_TOLERATIONS,
    progressDeadlineSeconds: env.KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS,
    releaseHistory: env.KLI8NT_DEPLOY_RELEASE_HISTORY,
    pollMs: env.KLI8NT_DEPLOY_POLL_SECONDS * 1000,
    tombstoneRetentionMs: env.KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS * 1000,
  }));

function tlsSpec(env: DeployEnv): TlsSpec {
  switch (env.KLI8NT_TLS_MODE) {
    case 'cert-manager': {
      const issuerAnnotation = env.KLI8NT_TLS_ISSUER_ANNOTATION;
      return {
        mode: 'cert-manager',
        clusterIssuer: env.KLI8NT_TLS_CLUSTER_ISSUER!,
        ...(issuerAnnotation ? { issuerAnnotation } : {}),
      };
    }
    case 'wildcard':
      return { mode: 'wildcard', secretName: env.KLI8NT_TLS_WILDCARD_SECRET! };
    default:
      return { mode: 'none' };
  }
}

function exposureSpec(env: DeployEnv): ExposureSpec {
  if (env.KLI8NT_EXPOSURE === 'ingress') {
    const ingressClassName = env.KLI8NT_INGRESS_CLASS;
    return ingressClassName
      ? { mode: 'ingress', ingressClassName }
      : { mode: 'ingress' };
  }
  const [gatewayNamespace, gatewayName] = env.KLI8NT_GATEWAY!.split('/');
  const sectionName = env.KLI8NT_GATEWAY_SECTION;
  return {
    mode: 'gateway',
    gateway: {
      namespace: gatewayNamespace,
      name: gatewayName,
      ...(sectionName ? { sectionName } : {}),
    },
  };
}

/** `kli8nt-controller deploy`: the shared settings it uses are folded in. */
export const deploySection = roleSection(
  deploySchema,
  (section, shared): DeployConfig => ({
    cluster: shared.cluster,
    resyncMs: shared.resyncMs,
    watchStaleMs: shared.watchStaleMs,
    workers: shared.workers,
    ...section,
  }),
);
