import {
  INFORM_QUEUE,
  dnsNameSchema,
  resourceQuantitySchema,
} from '@internal/backstage-plugin-kli8nt-common';
import type { RabbitMqConfig } from '@internal/backstage-plugin-kli8nt-node';
import type { V1Toleration } from '@kubernetes/client-node';
import { parseTolerations } from '../runtime/tolerations';
import { ExposureSpec, ResourceList, TlsSpec } from './types';

/** The controller-wide settings the deploy role uses (config.ts `shared`). */
export interface DeploySharedSettings {
  cluster: string;
  resyncMs: number;
  watchStaleMs: number;
  workers: number;
}

/** Everything the deploy role reads from its environment, parsed once. */
export interface DeployConfig extends DeploySharedSettings {
  rabbitmq: RabbitMqConfig;
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
}

/** A configuration error naming every bad variable at once. */
export class DeployConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid deploy role configuration: ${problems.join('; ')}`);
    this.name = 'DeployConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Reads the deploy role's section from environment variables (the cluster,
 * workers, resync and RabbitMQ settings are shared with the other roles):
 *
 * - `KLI8NT_APPS_DOMAIN` (required), `KLI8NT_APPS_NAMESPACE` (`kli8nt-apps`).
 * - `KLI8NT_TLS_MODE` `cert-manager` (default: a certificate per app from
 *   the issuer `KLI8NT_TLS_CLUSTER_ISSUER`, named in the Ingress annotation
 *   `KLI8NT_TLS_ISSUER_ANNOTATION`, `cert-manager.io/cluster-issuer` if
 *   unset), `wildcard` (needs
 *   `KLI8NT_TLS_WILDCARD_SECRET`, a Secret in the apps namespace) or `none`.
 * - `KLI8NT_EXPOSURE` `ingress` (default; `KLI8NT_INGRESS_CLASS` optional)
 *   or `gateway` (needs `KLI8NT_GATEWAY` = `namespace/name`,
 *   `KLI8NT_GATEWAY_SECTION` optional).
 * - `KLI8NT_SEALING_KEYS`: comma separated 32-byte keys (base64 or hex)
 *   that open sealed secret env values.
 * - `KLI8NT_INFORM_QUEUE` (`inform`).
 * - `KLI8NT_DEPLOY_DEFAULT_REQUESTS` (`cpu=100m,memory=128Mi`),
 *   `KLI8NT_DEPLOY_DEFAULT_LIMITS` (`cpu=1,memory=512Mi`),
 *   `KLI8NT_DEPLOY_NODE_SELECTOR` (`key=value,…`),
 *   `KLI8NT_DEPLOY_TOLERATIONS` (`kubectl taint` syntax, comma separated:
 *   `key=value:Effect`, `key:Effect` or `key`; e.g.
 *   `pool=apps:NoSchedule` with `KLI8NT_DEPLOY_NODE_SELECTOR=pool=apps`
 *   to put apps on a tainted pool),
 *   `KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS` (600),
 *   `KLI8NT_DEPLOY_RELEASE_HISTORY` (10), `KLI8NT_DEPLOY_POLL_SECONDS` (10).
 *
 * Throws a {@link DeployConfigError} listing every problem.
 */
export function readDeploySection(
  env: Env,
  shared: DeploySharedSettings,
): Omit<DeployConfig, 'rabbitmq'> {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback === undefined) {
      problems.push(`${name} is required`);
      return '';
    }
    return fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const pairs = (name: string, fallback: string) => {
    const raw = env[name]?.trim() ?? fallback;
    const result: Record<string, string> = {};
    for (const part of raw.split(',').map(p => p.trim())) {
      if (!part) continue;
      const eq = part.indexOf('=');
      if (eq < 1) {
        problems.push(`${name}: '${part}' is not key=value`);
        continue;
      }
      result[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return result;
  };
  const resources = (name: string, fallback: ResourceList): ResourceList => {
    const list = pairs(name, '');
    for (const [key, value] of Object.entries(list)) {
      if (key !== 'cpu' && key !== 'memory') {
        problems.push(`${name}: unknown resource '${key}'`);
      } else if (!resourceQuantitySchema.safeParse(value).success) {
        problems.push(`${name}: ${key} '${value}' is not a quantity`);
      }
    }
    return {
      cpu: list.cpu ?? fallback.cpu,
      memory: list.memory ?? fallback.memory,
    };
  };

  const appsDomain = str('KLI8NT_APPS_DOMAIN');
  if (appsDomain && !dnsNameSchema.safeParse(appsDomain).success) {
    problems.push(`KLI8NT_APPS_DOMAIN '${appsDomain}' is not a DNS name`);
  }
  const namespace = str('KLI8NT_APPS_NAMESPACE', 'kli8nt-apps');
  if (!K8S_NAME.test(namespace) || namespace.length > 63) {
    problems.push(
      `KLI8NT_APPS_NAMESPACE '${namespace}' is not a namespace name`,
    );
  }

  let tls: TlsSpec = { mode: 'none' };
  const tlsMode = str('KLI8NT_TLS_MODE', 'cert-manager');
  if (tlsMode === 'cert-manager') {
    const issuerAnnotation = env.KLI8NT_TLS_ISSUER_ANNOTATION?.trim();
    if (issuerAnnotation && !LABEL_KEY.test(issuerAnnotation)) {
      problems.push(
        `KLI8NT_TLS_ISSUER_ANNOTATION '${issuerAnnotation}' is not an annotation key`,
      );
    }
    tls = {
      mode: tlsMode,
      clusterIssuer: str('KLI8NT_TLS_CLUSTER_ISSUER'),
      ...(issuerAnnotation ? { issuerAnnotation } : {}),
    };
  } else if (tlsMode === 'wildcard') {
    tls = { mode: tlsMode, secretName: str('KLI8NT_TLS_WILDCARD_SECRET') };
  } else if (tlsMode !== 'none') {
    problems.push(
      `KLI8NT_TLS_MODE must be cert-manager, wildcard or none, got '${tlsMode}'`,
    );
  }

  let exposure: ExposureSpec = { mode: 'ingress' };
  const exposureMode = str('KLI8NT_EXPOSURE', 'ingress');
  if (exposureMode === 'ingress') {
    const ingressClassName = env.KLI8NT_INGRESS_CLASS?.trim();
    exposure = ingressClassName
      ? { mode: 'ingress', ingressClassName }
      : { mode: 'ingress' };
  } else if (exposureMode === 'gateway') {
    const ref = str('KLI8NT_GATEWAY');
    const [gatewayNamespace, name, ...rest] = ref.split('/');
    if (ref && (!gatewayNamespace || !name || rest.length > 0)) {
      problems.push(`KLI8NT_GATEWAY must be namespace/name, got '${ref}'`);
    }
    const sectionName = env.KLI8NT_GATEWAY_SECTION?.trim();
    exposure = {
      mode: 'gateway',
      gateway: {
        namespace: gatewayNamespace ?? '',
        name: name ?? '',
        ...(sectionName ? { sectionName } : {}),
      },
    };
  } else {
    problems.push(
      `KLI8NT_EXPOSURE must be ingress or gateway, got '${exposureMode}'`,
    );
  }

  const nodeSelector = pairs('KLI8NT_DEPLOY_NODE_SELECTOR', '');
  for (const [key, value] of Object.entries(nodeSelector)) {
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      problems.push(
        `KLI8NT_DEPLOY_NODE_SELECTOR: '${key}=${value}' is not a label`,
      );
    }
  }

  const parsedTolerations = parseTolerations(
    env.KLI8NT_DEPLOY_TOLERATIONS ?? '',
  );
  let tolerations: V1Toleration[] = [];
  if ('problems' in parsedTolerations) {
    for (const problem of parsedTolerations.problems) {
      problems.push(`KLI8NT_DEPLOY_TOLERATIONS: ${problem}`);
    }
  } else {
    tolerations = parsedTolerations.tolerations;
  }

  const sealingKeys = (env.KLI8NT_SEALING_KEYS ?? '')
    .split(',')
    .map(k => k.trim())
    .filter(Boolean);

  const config: Omit<DeployConfig, 'rabbitmq'> = {
    cluster: shared.cluster,
    resyncMs: shared.resyncMs,
    watchStaleMs: shared.watchStaleMs,
    workers: shared.workers,
    informQueue: str('KLI8NT_INFORM_QUEUE', INFORM_QUEUE),
    namespace,
    appsDomain,
    tls,
    exposure,
    sealingKeys,
    defaultRequests: resources('KLI8NT_DEPLOY_DEFAULT_REQUESTS', {
      cpu: '100m',
      memory: '128Mi',
    }),
    defaultLimits: resources('KLI8NT_DEPLOY_DEFAULT_LIMITS', {
      cpu: '1',
      memory: '512Mi',
    }),
    nodeSelector,
    tolerations,
    progressDeadlineSeconds: int(
      'KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS',
      600,
      5,
      86_400,
    ),
    releaseHistory: int('KLI8NT_DEPLOY_RELEASE_HISTORY', 10, 1, 100),
    pollMs: int('KLI8NT_DEPLOY_POLL_SECONDS', 10, 1, 3600) * 1000,
  };
  if (problems.length > 0) throw new DeployConfigError(problems);
  return config;
}
