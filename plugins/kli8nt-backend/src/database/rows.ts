import { InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { DeploymentStatus } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AppRecord,
  DeploymentEventRecord,
  DeploymentRecord,
  DeploymentTrigger,
  OutboxMessage,
  OutboxRecord,
} from './types';

/*
 * Row types (snake_case, as stored) and their mapping to the domain types,
 * shared by the store and its ledger transactions.
 */

export type Timestamp = Date | string | number;

export interface AppRow {
  entity_ref: string;
  app_name: string;
  cluster: string;
  port: number;
  replicas: number;
  health_check_path: string | null;
  domains: string;
  env: string;
  secret_env: string;
  resources: string | null;
  settings_version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DeploymentRow {
  id: string;
  entity_ref: string;
  app_name: string;
  cluster: string;
  trigger: string;
  ref: string;
  commit_sha: string;
  repo_host: string | null;
  repo_owner: string | null;
  repo_name: string | null;
  source_deployment_id: string | null;
  source_path?: string | null;
  trigger_url?: string | null;
  requested_by: string;
  image: string | null;
  image_digest: string | null;
  status: string;
  reason: string | null;
  message: string | null;
  url: string | null;
  github_deployment_id: string | number | null;
  sequence: string | number | null;
  rollout_sequence: string | number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface EventRow {
  seq: number;
  message_id: string;
  deployment_id: string;
  status: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  message: string;
}

export interface OutboxRow {
  id: number;
  queue: string;
  message_id: string;
  deployment_id: string | null;
  message: string;
  attempts: number;
  last_error: string | null;
  claimed_until: Timestamp | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** SQLite hands timestamps back as numbers or strings, PostgreSQL as Dates. */
export function toDate(value: Timestamp): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toIso(value: Timestamp): string {
  return toDate(value).toISOString();
}

export function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/** PostgreSQL returns bigint columns as strings. */
export function optNumber(value: string | number | null): number | undefined {
  return value === null ? undefined : Number(value);
}

export function rowToEvent(row: EventRow): DeploymentEventRecord {
  return {
    messageId: row.message_id,
    deploymentId: row.deployment_id,
    status: row.status as DeploymentStatus,
    occurredAt: toIso(row.occurred_at),
    receivedAt: toIso(row.received_at),
    report: JSON.parse(row.message),
  };
}

/** The deployment's events ordered by occurrence, then arrival. */
export async function selectEvents(
  db: Knex,
  deploymentId: string,
): Promise<DeploymentEventRecord[]> {
  const rows = await db<EventRow>('deployment_events')
    .where({ deployment_id: deploymentId })
    .orderBy([
      { column: 'occurred_at', order: 'asc' },
      { column: 'seq', order: 'asc' },
    ]);
  return rows.map(rowToEvent);
}

export function eventToRow(event: DeploymentEventRecord) {
  return {
    message_id: event.messageId,
    deployment_id: event.deploymentId,
    status: event.status,
    occurred_at: new Date(event.occurredAt),
    received_at: new Date(event.receivedAt),
    message: JSON.stringify(event.report),
  };
}

export function appToRow(app: AppRecord): AppRow {
  const s = app.settings;
  return {
    entity_ref: app.entityRef,
    app_name: app.appName,
    cluster: app.cluster,
    port: s.port,
    replicas: s.replicas,
    health_check_path: s.healthCheckPath ?? null,
    domains: JSON.stringify(s.domains),
    env: JSON.stringify(s.env),
    secret_env: JSON.stringify(s.secretEnv),
    resources: s.resources ? JSON.stringify(s.resources) : null,
    settings_version: app.settingsVersion ?? 0,
    created_at: new Date(app.createdAt),
    updated_at: new Date(app.updatedAt),
  };
}

export function rowToApp(row: AppRow): AppRecord {
  return {
    entityRef: row.entity_ref,
    appName: row.app_name,
    cluster: row.cluster,
    settings: {
      port: row.port,
      replicas: row.replicas,
      healthCheckPath: opt(row.health_check_path),
      domains: JSON.parse(row.domains),
      env: JSON.parse(row.env),
      secretEnv: JSON.parse(row.secret_env),
      resources: row.resources ? JSON.parse(row.resources) : undefined,
    },
    settingsVersion: Number(row.settings_version ?? 0),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function deploymentToRow(d: DeploymentRecord): DeploymentRow {
  return {
    id: d.id,
    entity_ref: d.entityRef,
    app_name: d.appName,
    cluster: d.cluster,
    trigger: d.trigger,
    ref: d.ref,
    commit_sha: d.commitSha,
    repo_host: d.repo?.host ?? null,
    repo_owner: d.repo?.owner ?? null,
    repo_name: d.repo?.name ?? null,
    source_deployment_id: d.sourceDeploymentId ?? null,
    source_path: d.sourcePath ?? null,
    trigger_url: d.triggerUrl ?? null,
    requested_by: d.requestedBy,
    image: d.image ?? null,
    image_digest: d.imageDigest ?? null,
    status: d.status,
    reason: d.reason ?? null,
    message: d.message ?? null,
    url: d.url ?? null,
    github_deployment_id: d.githubDeploymentId ?? null,
    sequence: d.sequence ?? null,
    rollout_sequence: d.rolloutSequence ?? null,
    created_at: new Date(d.createdAt),
    updated_at: new Date(d.updatedAt),
    finished_at: d.finishedAt ? new Date(d.finishedAt) : null,
  };
}

export function rowToDeployment(row: DeploymentRow): DeploymentRecord {
  const repo =
    row.repo_host && row.repo_owner && row.repo_name
      ? { host: row.repo_host, owner: row.repo_owner, name: row.repo_name }
      : undefined;
  return {
    id: row.id,
    entityRef: row.entity_ref,
    appName: row.app_name,
    cluster: row.cluster,
    trigger: row.trigger as DeploymentTrigger,
    ref: row.ref,
    commitSha: row.commit_sha,
    repo,
    sourceDeploymentId: opt(row.source_deployment_id),
    sourcePath: opt(row.source_path ?? null),
    triggerUrl: opt(row.trigger_url ?? null),
    requestedBy: row.requested_by,
    image: opt(row.image),
    imageDigest: opt(row.image_digest),
    status: row.status as DeploymentStatus,
    reason: opt(row.reason),
    message: opt(row.message),
    url: opt(row.url),
    githubDeploymentId:
      row.github_deployment_id === null
        ? undefined
        : Number(row.github_deployment_id),
    sequence: optNumber(row.sequence),
    rolloutSequence: optNumber(row.rollout_sequence),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    finishedAt: row.finished_at === null ? undefined : toIso(row.finished_at),
  };
}

export function outboxRows(messages: OutboxMessage[], now: Date) {
  return messages.map(m => ({
    queue: m.queue,
    message_id: m.messageId,
    deployment_id: m.deploymentId ?? null,
    message: JSON.stringify(m.message),
    attempts: 0,
    // The relay leaves a row alone until its lease ends.
    claimed_until: m.notBefore ?? null,
    created_at: now,
  }));
}

export function rowToOutbox(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    queue: row.queue,
    messageId: row.message_id,
    deploymentId: opt(row.deployment_id),
    message: JSON.parse(row.message),
    attempts: row.attempts,
    createdAt: toIso(row.created_at),
  };
}

export interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (
      typeof createdAt === 'string' &&
      typeof id === 'string' &&
      !Number.isNaN(Date.parse(createdAt))
    ) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new InputError('Invalid cursor');
}
