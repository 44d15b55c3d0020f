import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';
import {
  appNameSchema,
  clusterNameSchema,
  dnsNameSchema,
  formatValidationError,
  uuidSchema,
} from './validation';

/**
 * Entity annotation that sets the app name explicitly.
 *
 * @public
 */
export const APP_NAME_ANNOTATION = 'kli8nt.io/app';

/**
 * Label keys on every object the controllers create, and the value of
 * `app.kubernetes.io/managed-by`.
 *
 * @public
 */
export const LABELS = Object.freeze({
  /** Always {@link MANAGED_BY}. */
  managedBy: 'app.kubernetes.io/managed-by',
  /** The app name. */
  app: 'kli8nt.io/app',
  /** The deployment id (a UUID). */
  deployment: 'kli8nt.io/deployment',
  /** The app name too, so that Backstage's Kubernetes tab finds the objects. */
  kubernetesId: 'backstage.io/kubernetes-id',
  /** `build` or `runtime`, see {@link Kli8ntRole}. */
  role: 'kli8nt.io/role',
  /** On runtime pods: the app process they run (`web`, a worker's name, `release`). */
  process: 'kli8nt.io/process',
} as const);

/**
 * Value of the `app.kubernetes.io/managed-by` label.
 *
 * @public
 */
export const MANAGED_BY = 'kli8nt';

/**
 * The role of a pod: a build Job's pod or an app's runtime pod.
 *
 * @public
 */
export type Kli8ntRole = 'build' | 'runtime';

/**
 * The queue the backend consumes status reports from.
 *
 * @public
 */
export const INFORM_QUEUE = 'inform';

function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      `${field}: ${formatValidationError(result.error).replace(
        /^\(root\): /,
        '',
      )}`,
    );
  }
  return result.data;
}

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `value`, as 8 lowercase hex digits.
 * Small, pure and the same in browsers and Node.js; not a security hash.
 *
 * @public
 */
export function fnv1a32(value: string): string {
  const bytes = new TextEncoder().encode(value);
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The parts of a catalog entity that decide its app name.
 *
 * @public
 */
export interface AppNameSource {
  /** The entity's `metadata.name`. */
  name: string;
  /** The entity's `metadata.namespace`; absent: `default`. */
  namespace?: string;
  /** The entity's `metadata.annotations`. */
  annotations?: Record<string, string | undefined>;
}

const HASH_LENGTH = 8;
const MAX_APP_NAME = 63;

function slug(value: string): string {
  return value
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The app name of a catalog entity.
 *
 * - The `kli8nt.io/app` annotation wins; it must already be a valid app name
 *   (an `InputError` naming the annotation otherwise).
 * - Otherwise an entity in the `default` namespace whose lowercased name is
 *   already a valid app name keeps it unchanged (`shop` → `shop`).
 * - Any other entity gets a readable slug of `namespace-name`, shortened if
 *   needed, plus `-` and the FNV-1a hash of the lowercased
 *   `namespace/name`. So `Foo_Bar` and `foo.bar`, or `a/b-c` and `a-b/c`,
 *   which slug alike, still get different names, and so does any long name
 *   that would otherwise be cut to the same 63 characters.
 *
 * Entity names and namespaces are compared case-insensitively by the
 * catalog, so case does not count as a difference here either.
 *
 * @public
 */
export function appNameFromEntity(entity: AppNameSource): string {
  const annotated = entity.annotations?.[APP_NAME_ANNOTATION];
  if (annotated !== undefined) {
    return check(appNameSchema, annotated, `annotation ${APP_NAME_ANNOTATION}`);
  }
  if (typeof entity.name !== 'string' || entity.name.length === 0) {
    throw new InputError('name: must be a non-empty string');
  }
  if (entity.name.length > 253) {
    throw new InputError('name: must be at most 253 characters');
  }
  const namespace = (entity.namespace ?? 'default').toLocaleLowerCase('en-US');
  if (namespace.length > 253) {
    throw new InputError('namespace: must be at most 253 characters');
  }
  const name = entity.name.toLocaleLowerCase('en-US');
  if (namespace === 'default' && appNameSchema.safeParse(name).success) {
    return name;
  }
  const hash = fnv1a32(`${namespace}/${name}`);
  let readable = slug(namespace === 'default' ? name : `${namespace}-${name}`);
  if (!/^[a-z]/.test(readable)) readable = `app-${readable}`;
  readable = readable
    .slice(0, MAX_APP_NAME - HASH_LENGTH - 1)
    .replace(/-+$/, '');
  return `${readable}-${hash}`;
}

/**
 * The public host of an app: `<app>.<appsDomain>`. Throws an `InputError`
 * if the app name or domain is invalid or the host would exceed 253
 * characters.
 *
 * @public
 */
export function appHost(app: string, appsDomain: string): string {
  check(appNameSchema, app, 'app');
  check(dnsNameSchema, appsDomain, 'appsDomain');
  const host = `${app}.${appsDomain}`;
  if (host.length > 253) {
    throw new InputError('appsDomain: host would exceed 253 characters');
  }
  return host;
}

/**
 * Backstage signals channel on which the backend announces status changes
 * of an entity's deployments: `kli8nt:deployment:<entityRef>`.
 *
 * @public
 */
export function deploymentSignalChannel(entityRef: string): string {
  return `kli8nt:deployment:${entityRef}`;
}

/**
 * Kafka topic that holds an app's build and runtime log lines:
 * `kli8nt.logs.<app>`.
 *
 * @public
 */
export function logTopicName(app: string): string {
  check(appNameSchema, app, 'app');
  return `kli8nt.logs.${app}`;
}

/**
 * Queue (and routing key) on which a cluster's build controller consumes
 * `BuildRequested`: `build.<cluster>`.
 *
 * @public
 */
export function buildQueueName(cluster: string): string {
  check(clusterNameSchema, cluster, 'cluster');
  return `build.${cluster}`;
}

/**
 * Queue (and routing key) on which a cluster's deploy controller consumes
 * `DeployRequested` and `DeleteRequested`:
 * `deploy.<cluster>`.
 *
 * @public
 */
export function deployQueueName(cluster: string): string {
  check(clusterNameSchema, cluster, 'cluster');
  return `deploy.${cluster}`;
}

function deploymentKey(deploymentId: string): string {
  return check(uuidSchema, deploymentId, 'deploymentId').toLowerCase();
}

/**
 * Name of the `Build` custom resource and of its Job for a deployment:
 * `build-<deploymentId>` (42 characters, a valid label value).
 *
 * @public
 */
export function buildObjectName(deploymentId: string): string {
  return `build-${deploymentKey(deploymentId)}`;
}

/**
 * Name of the short-lived Secret that holds a build's clone token:
 * `build-<deploymentId>-clone`.
 *
 * @public
 */
export function cloneSecretName(deploymentId: string): string {
  return `${buildObjectName(deploymentId)}-clone`;
}

/**
 * Name of the `App` custom resource and of its Deployment, Service and
 * Ingress or HTTPRoute: the app name itself.
 */
function appObjectName(app: string): string {
  return check(appNameSchema, app, 'app');
}

/**
 * Name of the Secret that holds an app's environment variables:
 * `<app>-env`. Distinct suffixes keep these names from colliding with each
 * other for any two apps.
 *
 * @public
 */
export function appEnvSecretName(app: string): string {
  return `${appObjectName(app)}-env`;
}

/**
 * Name of the Secret that holds an app's TLS certificate: `<app>-tls`.
 *
 * @public
 */
export function appTlsSecretName(app: string): string {
  return `${appObjectName(app)}-tls`;
}

/**
 * A Procfile process name as a Kubernetes name part and label value
 * (`my_worker` → `my-worker`): Procfile names may hold `_`, which object
 * names may not.
 *
 * @public
 */
export function processKey(processName: string): string {
  return processName.replace(/_/g, '-').replace(/-+$/, '');
}

/**
 * Name of the Deployment a worker process runs as: `<app>-<process key>`,
 * beside the app's web Deployment, which is named after the app. So the
 * worker `api` of `shop` and an app named `shop-api` would share one name;
 * the portal refuses the second of the two.
 *
 * @public
 */
export function workerDeploymentName(app: string, processName: string): string {
  return `${app}-${processKey(processName)}`;
}

/**
 * The labels for an object that belongs to an app, and to a deployment when
 * given.
 *
 * @public
 */
export function kli8ntLabels(options: {
  app: string;
  role: Kli8ntRole;
  deploymentId?: string;
}): Record<string, string> {
  const app = appObjectName(options.app);
  if (options.role !== 'build' && options.role !== 'runtime') {
    throw new InputError('role: must be build or runtime');
  }
  const labels: Record<string, string> = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.app]: app,
    [LABELS.kubernetesId]: app,
    [LABELS.role]: options.role,
  };
  if (options.deploymentId !== undefined) {
    labels[LABELS.deployment] = deploymentKey(options.deploymentId);
  }
  return labels;
}
