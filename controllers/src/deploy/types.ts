import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

/** API coordinates of the App custom resource (charts/kli8nt/crds/app.yaml). */
export const APP_GROUP = 'kli8nt.io';
export const APP_VERSION = 'v1alpha1';
export const APP_API_VERSION = `${APP_GROUP}/${APP_VERSION}`;
export const APP_KIND = 'App';
export const APP_PLURAL = 'apps';

export type AppSpecReason = 'build' | 'redeploy' | 'rollback' | 'config';

export interface ResourceList {
  cpu: string;
  memory: string;
  /**
   * Container writable layer and logs; the platform's, never the app's
   * choice. Optional: Apps applied before it existed have none.
   */
  'ephemeral-storage'?: string;
}

export type TlsSpec =
  | {
      mode: 'cert-manager';
      clusterIssuer: string;
      /** The Ingress annotation naming the issuer; cert-manager's if absent. */
      issuerAnnotation?: string;
    }
  | { mode: 'wildcard'; secretName: string }
  | { mode: 'none' };

export interface GatewayRef {
  name: string;
  namespace: string;
  sectionName?: string;
}

export type ExposureSpec =
  | { mode: 'ingress'; ingressClassName?: string }
  | { mode: 'gateway'; gateway: GatewayRef };

/**
 * One process of the image (see the DEPLOY message's `processes`); without
 * a command it runs the image's own.
 */
export interface AppProcess {
  name: string;
  type: 'web' | 'worker' | 'release';
  command?: string[];
}

export interface AppSpec {
  deploymentId: string;
  entityRef: string;
  /** Pinned by digest: `registry/app@sha256:…`. */
  image: string;
  revision?: string;
  reason: AppSpecReason;
  /** When the portal sent this spec (informational). */
  requestedAt: string;
  /**
   * The portal's order of the decision this spec carries (0 for version 1
   * messages): the adapter never applies a lower one over a higher one.
   */
  sequence?: number;
  /**
   * Tombstone: the app was deleted at `sequence`. Such an App keeps only
   * deploymentId and sequence (see {@link isTombstone}); the reconciler
   * removes its objects, and only a later sequence brings it back.
   */
  deleted?: boolean;
  port: number;
  replicas: number;
  env?: Record<string, string>;
  /** Secret env vars; the Secret must be labelled with this deploymentId. */
  secretEnv?: { secretName: string; keys: string[] };
  resources: { requests: ResourceList; limits: ResourceList };
  healthCheckPath?: string;
  /** Absent: one web process running the image's command (see `processesOf`). */
  processes?: AppProcess[];
  /** `<app>.<appsDomain>` first, then custom domains. */
  hosts: string[];
  tls: TlsSpec;
  exposure: ExposureSpec;
}

export interface AppCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** Statuses the deploy controller reports for a deployment. */
export type ReportedStatus = 'deploying' | 'live' | 'failed';

export interface AppReport {
  deploymentId: string;
  status: ReportedStatus;
  reason?: string;
  messageId: string;
  time: string;
}

export interface AppRelease {
  deploymentId: string;
  image: string;
  revision?: string;
  time: string;
}

export interface AppStatus {
  /**
   * The key of this App's report ids (`runtime/reportIds.ts`), random,
   * written before its first report is published.
   */
  reportKey?: string;
  observedGeneration?: number;
  url?: string;
  currentDeploymentId?: string;
  hosts?: string[];
  report?: AppReport;
  releases?: AppRelease[];
  conditions?: AppCondition[];
}

/**
 * An App as read from the API server. Custom objects arrive as plain JSON,
 * so its timestamps are strings at run time whatever client-node's
 * `V1ObjectMeta` says; read them with {@link timestampOf}.
 */
export interface App extends KubernetesObject {
  apiVersion: typeof APP_API_VERSION;
  kind: typeof APP_KIND;
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: AppSpec;
  status?: AppStatus;
}

/** Whether the App is a delete's tombstone (its spec has no rollout fields). */
export function isTombstone(app: Pick<App, 'spec'>): boolean {
  return app.spec.deleted === true;
}

/** The App's sequence; Apps written before sequences count as 0. */
export function sequenceOf(app: Pick<App, 'spec'>): number {
  return app.spec.sequence ?? 0;
}

/** Condition types on an App. */
export const CONDITION_READY = 'Ready';
/** Records the last status reported for a deployment (see `status.report`). */
export const CONDITION_REPORTED = 'Reported';

/** Milliseconds of a timestamp that may be a string or a Date. */
export function timestampOf(value: string | Date | undefined): number {
  if (value === undefined) return Number.NaN;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}
