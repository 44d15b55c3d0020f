import {
  DeploymentStatus,
  DeploymentTrigger,
} from '@internal/backstage-plugin-kli8nt-common';

export type { DeploymentTrigger };

/** Settings of an app as stored; secret values are sealed. */
export interface StoredAppSettings {
  port: number;
  replicas: number;
  healthCheckPath?: string;
  domains: string[];
  env: Record<string, string>;
  /** Sealed values (`v1.<keyId>.…`); never returned to clients. */
  secretEnv: Record<string, string>;
  resources?: { cpu?: string; memory?: string };
}

export interface AppRecord {
  entityRef: string;
  appName: string;
  cluster: string;
  settings: StoredAppSettings;
  createdAt: string;
  updatedAt: string;
}

export interface RepoRef {
  host: string;
  owner: string;
  name: string;
}

export interface DeploymentState {
  status: DeploymentStatus;
  reason?: string;
  message?: string;
  url?: string;
  image?: string;
  imageDigest?: string;
}

export interface DeploymentRecord extends DeploymentState {
  id: string;
  entityRef: string;
  appName: string;
  cluster: string;
  trigger: DeploymentTrigger;
  ref: string;
  commitSha: string;
  repo?: RepoRef;
  sourceDeploymentId?: string;
  requestedBy: string;
  githubDeploymentId?: number;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** A stored status report. `report` is the message as received. */
export interface DeploymentEventRecord {
  messageId: string;
  deploymentId: string;
  status: DeploymentStatus;
  occurredAt: string;
  receivedAt: string;
  report: unknown;
}

/** A message waiting in the outbox. */
export interface OutboxMessage {
  queue: string;
  messageId: string;
  deploymentId?: string;
  message: unknown;
}

export interface OutboxRecord extends OutboxMessage {
  id: number;
  attempts: number;
  createdAt: string;
}

export interface DeploymentPage {
  items: DeploymentRecord[];
  /** Opaque cursor of the next (older) page, absent on the last page. */
  nextCursor?: string;
}

/** Persistence of apps, deployments, their events and the outbox. */
export interface Kli8ntStore {
  getApp(entityRef: string): Promise<AppRecord | undefined>;
  getAppByName(appName: string): Promise<AppRecord | undefined>;
  /** Inserts or replaces the app's settings. */
  upsertApp(app: AppRecord, outbox?: OutboxMessage[]): Promise<void>;
  /**
   * Removes the app with its deployments and events, and enqueues `outbox`
   * in the same transaction. Returns false when there was no such app.
   */
  deleteApp(entityRef: string, outbox: OutboxMessage[]): Promise<boolean>;

  /**
   * Writes the deployment, creates the app if it does not exist yet (or
   * saves it with `saveApp`), and enqueues `outbox`, all in one transaction.
   */
  createDeployment(options: {
    deployment: DeploymentRecord;
    app: AppRecord;
    outbox: OutboxMessage[];
    saveApp?: boolean;
  }): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  listDeployments(
    entityRef: string,
    options: { limit: number; cursor?: string },
  ): Promise<DeploymentPage>;
  /** Deployments of the app in one of the statuses, newest first. */
  findDeployments(
    appName: string,
    statuses: string[],
  ): Promise<DeploymentRecord[]>;
  updateDeploymentState(
    id: string,
    state: DeploymentState,
    now: Date,
  ): Promise<void>;
  setGithubDeploymentId(id: string, githubDeploymentId: number): Promise<void>;
  /**
   * Drops messages of the deployment that were not published yet and enqueues
   * `outbox`. Returns how many were dropped.
   */
  withdrawPending(
    deploymentId: string,
    outbox: OutboxMessage[],
  ): Promise<number>;

  /** Stores a report unless its messageId is known. True when it was new. */
  recordEvent(event: DeploymentEventRecord): Promise<boolean>;
  /** The deployment's events ordered by occurrence, then arrival. */
  listEvents(deploymentId: string): Promise<DeploymentEventRecord[]>;

  enqueue(outbox: OutboxMessage[]): Promise<void>;
  /** Pending messages, oldest first. */
  pendingOutbox(limit: number): Promise<OutboxRecord[]>;
  /**
   * Leases up to `limit` pending messages, oldest first, that no other
   * instance holds a live lease on, so that replicas do not publish the same
   * row at once. A crashed holder's lease simply expires.
   */
  claimOutbox(
    limit: number,
    leaseMs: number,
    now: Date,
  ): Promise<OutboxRecord[]>;
  markSent(id: number, now: Date): Promise<void>;
  /** Gives up leases of rows that were not attempted. */
  releaseOutbox(ids: number[]): Promise<void>;
  /** Records the failure and releases the lease. */
  markFailed(id: number, error: string): Promise<void>;
}
