// The App a deploy message asks for, and its workload: Deployments, Service, Secret.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodSpec,
  V1Probe,
  V1Secret,
  V1Service,
  V1Toleration,
} from '@kubernetes/client-node';
import {
  AppConfig,
  DeployRequestedMessage,
  LABELS,
  appEnvSecretName,
  appHost,
  kli8ntLabels,
  processKey,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { DeployConfig } from './config';
import { webProcess } from './processes';
import {
  objectMeta,
  processDeploymentName,
  processPodLabels,
  appSelector,
} from './appMeta';
import {
  APP_API_VERSION,
  APP_KIND,
  App,
  AppProcess,
  AppSpec,
  ResourceList,
} from './types';

/** The name of the app's container, and of its port. */
export const CONTAINER_NAME = 'app';
export const PORT_NAME = 'http';
/** The Service listens on 80 and forwards to the container's port. */
export const SERVICE_PORT = 80;

/** Scheduling settings of the controller that are not part of an App. */
export interface PodPlacement {
  nodeSelector: Record<string, string>;
  /** Taints of that pool the pods tolerate. */
  tolerations?: V1Toleration[];
  progressDeadlineSeconds: number;
}

/**
 * Where the app is served: `https://<first host>` (`http` without TLS);
 * undefined for an app without a web process (nothing is exposed).
 */
export function appUrl(
  spec: Pick<AppSpec, 'hosts' | 'tls' | 'processes'>,
): string | undefined {
  if (!webProcess(spec)) return undefined;
  const scheme = spec.tls.mode === 'none' ? 'http' : 'https';
  return `${scheme}://${spec.hosts[0]}`;
}

function resourcesFor(
  config: AppConfig['resources'],
  defaults: { requests: ResourceList; limits: ResourceList },
): AppSpec['resources'] {
  // A size the user chose is both request and limit, so the pod gets exactly
  // what was asked for; otherwise the platform's defaults apply. Ephemeral
  // storage is always the platform's.
  const storage = (list: ResourceList) =>
    list['ephemeral-storage']
      ? { 'ephemeral-storage': list['ephemeral-storage'] }
      : {};
  return {
    requests: {
      cpu: config?.cpu ?? defaults.requests.cpu,
      memory: config?.memory ?? defaults.requests.memory,
      ...storage(defaults.requests),
    },
    limits: {
      cpu: config?.cpu ?? defaults.limits.cpu,
      memory: config?.memory ?? defaults.limits.memory,
      ...storage(defaults.limits),
    },
  };
}

/**
 * The App a deploy message asks for. Pure: the same message and config give
 * the same object, so re-applying a redelivered message changes nothing.
 */
export function desiredApp(
  message: DeployRequestedMessage,
  config: Pick<
    DeployConfig,
    | 'namespace'
    | 'appsDomain'
    | 'tls'
    | 'exposure'
    | 'defaultRequests'
    | 'defaultLimits'
  >,
): App {
  const { payload } = message;
  const appConfig = payload.config;
  const defaultHost = appHost(payload.app, config.appsDomain);
  const hosts = [
    defaultHost,
    ...appConfig.domains.filter(d => d !== defaultHost),
  ];
  const secretKeys = Object.keys(appConfig.secretEnv).sort();
  const env = Object.fromEntries(
    Object.entries(appConfig.env).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const spec: AppSpec = {
    deploymentId: message.deploymentId.toLowerCase(),
    entityRef: payload.entityRef,
    // Pods run exactly the image that was built, never whatever a tag says now.
    image: payload.image.includes('@')
      ? payload.image
      : `${payload.image}@${payload.imageDigest}`,
    ...(payload.revision ? { revision: payload.revision } : {}),
    reason: message.payload.reason,
    sequence: message.payload.sequence,
    requestedAt: new Date(message.occurredAt).toISOString(),
    port: appConfig.port,
    replicas: appConfig.replicas,
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(secretKeys.length > 0
      ? {
          secretEnv: {
            secretName: appEnvSecretName(payload.app),
            keys: secretKeys,
          },
        }
      : {}),
    resources: resourcesFor(appConfig.resources, {
      requests: config.defaultRequests,
      limits: config.defaultLimits,
    }),
    ...(appConfig.healthCheckPath
      ? { healthCheckPath: appConfig.healthCheckPath }
      : {}),
    ...(payload.processes
      ? { processes: payload.processes.map(p => ({ ...p })) }
      : {}),
    hosts,
    tls: config.tls,
    exposure: config.exposure,
  };
  return {
    apiVersion: APP_API_VERSION,
    kind: APP_KIND,
    metadata: {
      name: payload.app,
      namespace: config.namespace,
      labels: kli8ntLabels({
        app: payload.app,
        role: 'runtime',
        deploymentId: spec.deploymentId,
      }),
    },
    spec,
  };
}

function containerEnv(spec: AppSpec, listens: boolean): V1EnvVar[] {
  // PORT always says where the web process listens; a user value for it
  // would only make the probe and the Service point elsewhere. Workers and
  // releases listen nowhere, so they get no PORT.
  const env: V1EnvVar[] = listens
    ? [{ name: 'PORT', value: String(spec.port) }]
    : [];
  for (const [name, value] of Object.entries(spec.env ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    if (name !== 'PORT') env.push({ name, value });
  }
  if (spec.secretEnv) {
    for (const key of [...spec.secretEnv.keys].sort()) {
      if (key === 'PORT') continue;
      env.push({
        name: key,
        valueFrom: {
          secretKeyRef: { name: spec.secretEnv.secretName, key },
        },
      });
    }
  }
  return env;
}

function readinessProbe(spec: AppSpec): V1Probe {
  const timing = {
    periodSeconds: 5,
    timeoutSeconds: 2,
    successThreshold: 1,
    failureThreshold: 3,
  };
  if (spec.healthCheckPath) {
    return {
      httpGet: { path: spec.healthCheckPath, port: PORT_NAME, scheme: 'HTTP' },
      ...timing,
    };
  }
  return { tcpSocket: { port: PORT_NAME }, ...timing };
}

/**
 * The container of a process, under the restricted Pod Security profile:
 * only the web process has a port and a readiness probe.
 */
export function processContainer(app: App, process: AppProcess): V1Container {
  const { spec } = app;
  const web = process.type === 'web';
  return {
    name: CONTAINER_NAME,
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    ...(process.command ? { command: [...process.command] } : {}),
    ...(web
      ? {
          ports: [
            { name: PORT_NAME, containerPort: spec.port, protocol: 'TCP' },
          ],
        }
      : {}),
    env: containerEnv(spec, web),
    ...(web ? { readinessProbe: readinessProbe(spec) } : {}),
    resources: {
      requests: { ...spec.resources.requests },
      limits: { ...spec.resources.limits },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** The pod spec every process shares: no token, placement, non-root. */
export function processPodSpec(
  placement: PodPlacement,
  container: V1Container,
): V1PodSpec {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(Object.keys(placement.nodeSelector).length > 0
      ? { nodeSelector: { ...placement.nodeSelector } }
      : {}),
    ...(placement.tolerations?.length
      ? { tolerations: placement.tolerations.map(t => ({ ...t })) }
      : {}),
    securityContext: {
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container],
  };
}

/**
 * The Deployment of a web or worker process: a zero-downtime rolling
 * update (gated by the readiness probe for web), and one ReplicaSet per
 * deployment id (the id is in the pod labels). Without `process`, the
 * app's web process.
 */
export function desiredDeployment(
  app: App,
  placement: PodPlacement,
  process: AppProcess = webProcess(app.spec) ?? { name: 'web', type: 'web' },
): V1Deployment {
  if (process.type === 'release') {
    throw new Error('A release process runs as a Job, not a Deployment');
  }
  const labels = processPodLabels(app, process);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(app, processDeploymentName(app, process)),
    spec: {
      replicas: app.spec.replicas,
      selector: {
        matchLabels:
          process.type === 'web'
            ? appSelector(app)
            : { ...appSelector(app), [LABELS.process]: labels[LABELS.process] },
      },
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: placement.progressDeadlineSeconds,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      },
      template: {
        metadata: { labels },
        spec: processPodSpec(placement, processContainer(app, process)),
      },
    },
  };
}

/** A ClusterIP Service on port 80 in front of the app's pods. */
export function desiredService(app: App): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(app),
    spec: {
      type: 'ClusterIP',
      // Only the web process's pods: workers and releases listen nowhere.
      selector: {
        ...appSelector(app),
        [LABELS.process]: processKey(webProcess(app.spec)?.name ?? 'web'),
      },
      ports: [
        {
          name: PORT_NAME,
          port: SERVICE_PORT,
          targetPort: PORT_NAME,
          protocol: 'TCP',
        },
      ],
    },
  };
}

/**
 * The Secret holding the App's opened secret env values. Its deployment
 * label tells the reconciler which deployment's values it holds.
 */
export function desiredSecret(
  app: App,
  values: Record<string, string>,
): V1Secret {
  const data: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    data[key] = Buffer.from(values[key], 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(app, appEnvSecretName(app.metadata.name)),
    type: 'Opaque',
    data,
  };
}
