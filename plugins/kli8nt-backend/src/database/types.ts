import {
  DeploymentStatus,
  DeploymentTrigger,
} from '@kli8nt/backstage-plugin-kli8nt-common';

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
  /** Incremented by every settings save; a save over a newer one is refused. */
  settingsVersion: number;
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
  /** The build context in the repo (`kli8nt.io/source-path`); absent: root. */
  sourcePath?: string;
  sourceDeploymentId?: string;
  requestedBy: string;
  /** The compare link of a push, or the pull request of a preview. */
  triggerUrl?: string;
  githubDeploymentId?: number;
  /** Acceptance order within the app; absent on rows from before the ledger. */
  sequence?: number;
  /**
   * Set when the ledger sent the deployment to the deploy queue: the order
   * of that decision, which the deploy controller enforces.
   */
  rolloutSequence?: number;
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
  /** Not published before then (a resend that backs off). */
  notBefore?: Date;
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

/**
 * The writes of one app's ledger transaction. The transaction holds the
 * app's sequence row locked, so two backend replicas deciding about the same
 * app run one after the other.
 */
export interface LedgerTx {
  readonly appName: string;
  /** Hands out the app's next sequence number. */
  nextSequence(): Promise<number>;
  /** Sequence of the app's last delete, if it was ever deleted. */
  deletedSequence(): Promise<number | undefined>;
  markDeleted(sequence: number): Promise<void>;

  getApp(entityRef: string): Promise<AppRecord | undefined>;
  /** Another app, by name (read only: its ledger lock is not taken). */
  getAppByName(appName: string): Promise<AppRecord | undefined>;
  /** Inserts the app, or replaces it with `replace`. */
  saveApp(app: AppRecord, options?: { replace?: boolean }): Promise<void>;
  /** Removes the app with its deployments, events and unsent messages. */
  deleteApp(entityRef: string): Promise<void>;
  /** The custom domains this app proved (domains/). */
  claimedDomains(entityRef: string): Promise<string[]>;

  insertDeployment(deployment: DeploymentRecord): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  /** The app's deployments that are not finished, and the live ones. */
  activeDeployments(): Promise<DeploymentRecord[]>;
  /**
   * The same of another app. `lock` takes that app's ledger lock as well,
   * held to this transaction's commit: only for an app whose name is a
   * prefix of this one's, so that locks are taken longest name first and
   * two transactions never wait for each other.
   */
  activeDeploymentsOf(
    appName: string,
    options?: { lock?: boolean },
  ): Promise<DeploymentRecord[]>;
  /**
   * Builds queued or running (not yet rolled out) of this app, and of all
   * apps of `cluster`. Other apps' rows are not locked: a count, not a claim.
   */
  buildsInProgress(cluster: string): Promise<{ app: number; cluster: number }>;
  updateDeploymentState(
    id: string,
    state: DeploymentState,
    now: Date,
  ): Promise<void>;
  setRolloutSequence(id: string, sequence: number): Promise<void>;

  /** Stores a report unless its messageId is known. True when it was new. */
  recordEvent(event: DeploymentEventRecord): Promise<boolean>;
  /** The deployment's events ordered by occurrence, then arrival. */
  listEvents(deploymentId: string): Promise<DeploymentEventRecord[]>;

  enqueue(outbox: OutboxMessage[]): Promise<void>;
  /** Drops the deployment's unsent messages; returns how many. */
  withdrawPending(deploymentId: string): Promise<number>;
}

/** Persistence of apps, deployments, their events and the outbox. */
export interface Kli8ntStore {
  /**
   * Runs `fn` in one transaction that holds the app's ledger lock (see
   * {@link LedgerTx}); everything it writes commits together or not at all.
   */
  inApp<T>(appName: string, fn: (tx: LedgerTx) => Promise<T>): Promise<T>;

  getApp(entityRef: string): Promise<AppRecord | undefined>;
  getAppByName(appName: string): Promise<AppRecord | undefined>;

  /**
   * Writes the deployment, creates the app if it does not exist yet, and
   * enqueues `outbox`, in one transaction, without the ledger's decisions
   * (test set-up of other components).
   */
  createDeployment(options: {
    deployment: DeploymentRecord;
    app: AppRecord;
    outbox: OutboxMessage[];
  }): Promise<void>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  listDeployments(
    entityRef: string,
    options: { limit: number; cursor?: string },
  ): Promise<DeploymentPage>;
  setGithubDeploymentId(id: string, githubDeploymentId: number): Promise<void>;
  /** The deployment's events ordered by occurrence, then arrival. */
  listEvents(deploymentId: string): Promise<DeploymentEventRecord[]>;

  enqueue(outbox: OutboxMessage[]): Promise<void>;
}
