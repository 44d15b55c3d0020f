import {
  AppSettings,
  Deployment,
  DeploymentEvent,
  Process,
  ProcessReadiness,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AppRecord,
  DeploymentEventRecord,
  DeploymentRecord,
} from '../database/types';

/** Extra fields beyond the contract, for status details of any state. */
export type ApiDeployment = Deployment & {
  statusReason?: string;
  statusMessage?: string;
};

function defined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as T;
}

/**
 * A deployment as the API returns it. `processes` (see `imageProcesses`)
 * and `readiness` only where one deployment is read: finding them takes
 * queries per deployment, which a page of the history does not need.
 */
export function toApiDeployment(
  d: DeploymentRecord,
  details: { processes?: Process[]; readiness?: ProcessReadiness[] } = {},
): ApiDeployment {
  const failed = d.status === 'failed' || d.status === 'cancelled';
  return defined({
    id: d.id,
    entityRef: d.entityRef,
    app: d.appName,
    cluster: d.cluster,
    ref: d.ref,
    commitSha: d.commitSha,
    trigger: d.trigger,
    sequence: d.sequence,
    requestedBy: d.requestedBy,
    sourcePath: d.sourcePath,
    triggerUrl: d.triggerUrl,
    image: d.image,
    imageDigest: d.imageDigest,
    status: d.status,
    url: d.url,
    failureReason: failed ? d.reason : undefined,
    failureMessage: failed ? d.message : undefined,
    processes: details.processes,
    readiness: details.readiness,
    statusReason: d.reason,
    statusMessage: d.message,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    finishedAt: d.finishedAt,
  });
}

export function toApiEvent(e: DeploymentEventRecord): DeploymentEvent {
  const payload = (
    e.report as { payload?: { reason?: string; message?: string } }
  ).payload;
  return defined({
    messageId: e.messageId,
    status: e.status,
    reason: payload?.reason,
    message: payload?.message,
    occurredAt: e.occurredAt,
    receivedAt: e.receivedAt,
  });
}

/** Settings without secret values: only the names of secrets. */
export function toApiSettings(app: AppRecord, persisted: boolean): AppSettings {
  const s = app.settings;
  return defined({
    entityRef: app.entityRef,
    app: app.appName,
    port: s.port,
    replicas: s.replicas,
    healthCheckPath: s.healthCheckPath,
    domains: s.domains,
    env: s.env,
    secretEnvNames: Object.keys(s.secretEnv).sort(),
    resources: s.resources,
    updatedAt: persisted ? app.updatedAt : undefined,
    version: app.settingsVersion,
  });
}
