import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { DeploymentStatus } from '@internal/backstage-plugin-kli8nt-common';
import { Knex } from 'knex';
import {
  AppRecord,
  DeploymentEventRecord,
  DeploymentPage,
  DeploymentRecord,
  DeploymentState,
  DeploymentTrigger,
  Kli8ntStore,
  OutboxMessage,
  OutboxRecord,
} from './types';

const migrationsDir = resolvePackagePath(
  '@internal/backstage-plugin-kli8nt-backend',
  'migrations',
);

const TERMINAL = ['live', 'failed', 'cancelled', 'superseded'];

type Timestamp = Date | string | number;

interface AppRow {
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
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface DeploymentRow {
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
  requested_by: string;
  image: string | null;
  image_digest: string | null;
  status: string;
  reason: string | null;
  message: string | null;
  url: string | null;
  github_deployment_id: string | number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

interface EventRow {
  seq: number;
  message_id: string;
  deployment_id: string;
  status: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  message: string;
}

interface OutboxRow {
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
function toDate(value: Timestamp): Date {
  return value instanceof Date ? value : new Date(value);
}

function toIso(value: Timestamp): string {
  return toDate(value).toISOString();
}

function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function appToRow(app: AppRecord): AppRow {
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
    created_at: new Date(app.createdAt),
    updated_at: new Date(app.updatedAt),
  };
}

function rowToApp(row: AppRow): AppRecord {
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
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

function deploymentToRow(d: DeploymentRecord): DeploymentRow {
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
    requested_by: d.requestedBy,
    image: d.image ?? null,
    image_digest: d.imageDigest ?? null,
    status: d.status,
    reason: d.reason ?? null,
    message: d.message ?? null,
    url: d.url ?? null,
    github_deployment_id: d.githubDeploymentId ?? null,
    created_at: new Date(d.createdAt),
    updated_at: new Date(d.updatedAt),
    finished_at: d.finishedAt ? new Date(d.finishedAt) : null,
  };
}

function rowToDeployment(row: DeploymentRow): DeploymentRecord {
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
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    finishedAt: row.finished_at === null ? undefined : toIso(row.finished_at),
  };
}

function outboxRows(messages: OutboxMessage[], now: Date) {
  return messages.map(m => ({
    queue: m.queue,
    message_id: m.messageId,
    deployment_id: m.deploymentId ?? null,
    message: JSON.stringify(m.message),
    attempts: 0,
    created_at: now,
  }));
}

function rowToOutbox(row: OutboxRow): OutboxRecord {
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

interface Cursor {
  createdAt: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): Cursor {
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

/** Knex implementation of {@link Kli8ntStore} (PostgreSQL and SQLite). */
export class DatabaseKli8ntStore implements Kli8ntStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseKli8ntStore> {
    const { database } = options;
    const client = await database.getClient();
    if (!database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseKli8ntStore(client);
  }

  constructor(private readonly db: Knex) {}

  async getApp(entityRef: string) {
    const row = await this.db<AppRow>('apps')
      .where({ entity_ref: entityRef })
      .first();
    return row ? rowToApp(row) : undefined;
  }

  async getAppByName(appName: string) {
    const row = await this.db<AppRow>('apps')
      .where({ app_name: appName })
      .first();
    return row ? rowToApp(row) : undefined;
  }

  async upsertApp(app: AppRecord, outbox: OutboxMessage[] = []) {
    const row = appToRow(app);
    await this.db.transaction(async tx => {
      const { created_at: _createdAt, entity_ref: _ref, ...changes } = row;
      await tx('apps').insert(row).onConflict('entity_ref').merge(changes);
      if (outbox.length) {
        await tx('outbox').insert(outboxRows(outbox, new Date()));
      }
    });
  }

  async deleteApp(entityRef: string, outbox: OutboxMessage[]) {
    return this.db.transaction(async tx => {
      const ids = tx('deployments')
        .where({ entity_ref: entityRef })
        .select('id');
      await tx('deployment_events').whereIn('deployment_id', ids).delete();
      await tx('outbox')
        .whereIn('deployment_id', ids)
        .whereNull('sent_at')
        .delete();
      await tx('deployments').where({ entity_ref: entityRef }).delete();
      const deleted = await tx('apps')
        .where({ entity_ref: entityRef })
        .delete();
      if (deleted && outbox.length) {
        await tx('outbox').insert(outboxRows(outbox, new Date()));
      }
      return deleted > 0;
    });
  }

  async createDeployment(options: {
    deployment: DeploymentRecord;
    app: AppRecord;
    outbox: OutboxMessage[];
    saveApp?: boolean;
  }) {
    await this.db.transaction(async tx => {
      const row = appToRow(options.app);
      const insert = tx('apps').insert(row).onConflict('entity_ref');
      if (options.saveApp) {
        const { created_at: _c, entity_ref: _e, ...changes } = row;
        await insert.merge(changes);
      } else {
        await insert.ignore();
      }
      await tx('deployments').insert(deploymentToRow(options.deployment));
      if (options.outbox.length) {
        await tx('outbox').insert(
          outboxRows(options.outbox, new Date(options.deployment.createdAt)),
        );
      }
    });
  }

  async getDeployment(id: string) {
    const row = await this.db<DeploymentRow>('deployments')
      .where({ id })
      .first();
    return row ? rowToDeployment(row) : undefined;
  }

  async listDeployments(
    entityRef: string,
    options: { limit: number; cursor?: string },
  ): Promise<DeploymentPage> {
    const query = this.db<DeploymentRow>('deployments')
      .where({ entity_ref: entityRef })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1);
    if (options.cursor) {
      const cursor = decodeCursor(options.cursor);
      const createdAt = new Date(cursor.createdAt);
      query.andWhere(q =>
        q
          .where('created_at', '<', createdAt)
          .orWhere(q2 =>
            q2
              .where('created_at', '=', createdAt)
              .andWhere('id', '<', cursor.id),
          ),
      );
    }
    const rows = await query;
    const items = rows.slice(0, options.limit).map(rowToDeployment);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > options.limit && last
          ? encodeCursor({ createdAt: last.createdAt, id: last.id })
          : undefined,
    };
  }

  async findDeployments(appName: string, statuses: string[]) {
    const rows = await this.db<DeploymentRow>('deployments')
      .where({ app_name: appName })
      .whereIn('status', statuses)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map(rowToDeployment);
  }

  async updateDeploymentState(id: string, state: DeploymentState, now: Date) {
    await this.db('deployments')
      .where({ id })
      .update({
        status: state.status,
        reason: state.reason ?? null,
        message: state.message ?? null,
        url: state.url ?? null,
        image: state.image ?? null,
        image_digest: state.imageDigest ?? null,
        updated_at: now,
        finished_at: TERMINAL.includes(state.status) ? now : null,
      });
  }

  async setGithubDeploymentId(id: string, githubDeploymentId: number) {
    await this.db('deployments')
      .where({ id })
      .update({ github_deployment_id: githubDeploymentId });
  }

  async withdrawPending(deploymentId: string, outbox: OutboxMessage[]) {
    return this.db.transaction(async tx => {
      const dropped = await tx('outbox')
        .where({ deployment_id: deploymentId })
        .whereNull('sent_at')
        .delete();
      if (outbox.length) {
        await tx('outbox').insert(outboxRows(outbox, new Date()));
      }
      return dropped;
    });
  }

  async recordEvent(event: DeploymentEventRecord) {
    const inserted = await this.db('deployment_events')
      .insert({
        message_id: event.messageId,
        deployment_id: event.deploymentId,
        status: event.status,
        occurred_at: new Date(event.occurredAt),
        received_at: new Date(event.receivedAt),
        message: JSON.stringify(event.report),
      })
      .onConflict('message_id')
      .ignore()
      .returning('seq');
    return inserted.length > 0;
  }

  async listEvents(deploymentId: string) {
    const rows = await this.db<EventRow>('deployment_events')
      .where({ deployment_id: deploymentId })
      .orderBy([
        { column: 'occurred_at', order: 'asc' },
        { column: 'seq', order: 'asc' },
      ]);
    return rows.map(row => ({
      messageId: row.message_id,
      deploymentId: row.deployment_id,
      status: row.status as DeploymentStatus,
      occurredAt: toIso(row.occurred_at),
      receivedAt: toIso(row.received_at),
      report: JSON.parse(row.message),
    }));
  }

  async enqueue(outbox: OutboxMessage[]) {
    if (outbox.length) {
      await this.db('outbox').insert(outboxRows(outbox, new Date()));
    }
  }

  async pendingOutbox(limit: number): Promise<OutboxRecord[]> {
    const rows = await this.db<OutboxRow>('outbox')
      .whereNull('sent_at')
      .orderBy('id', 'asc')
      .limit(limit);
    return rows.map(rowToOutbox);
  }

  async claimOutbox(
    limit: number,
    leaseMs: number,
    now: Date,
  ): Promise<OutboxRecord[]> {
    return this.db.transaction(async tx => {
      const query = tx<OutboxRow>('outbox')
        .whereNull('sent_at')
        .andWhere(q =>
          q.whereNull('claimed_until').orWhere('claimed_until', '<', now),
        )
        .orderBy('id', 'asc')
        .limit(limit);
      // SQLite serializes writers anyway; PostgreSQL lets replicas skip
      // each other's rows instead of waiting.
      if (tx.client.config.client === 'pg') {
        query.forUpdate().skipLocked();
      }
      const rows = await query;
      if (rows.length) {
        await tx('outbox')
          .whereIn(
            'id',
            rows.map(r => r.id),
          )
          .update({ claimed_until: new Date(now.getTime() + leaseMs) });
      }
      return rows.map(rowToOutbox);
    });
  }

  async releaseOutbox(ids: number[]) {
    if (ids.length) {
      await this.db('outbox')
        .whereIn('id', ids)
        .whereNull('sent_at')
        .update({ claimed_until: null });
    }
  }

  async markSent(id: number, now: Date) {
    await this.db('outbox').where({ id }).update({ sent_at: now });
  }

  async markFailed(id: number, error: string) {
    await this.db('outbox')
      .where({ id })
      .update({
        attempts: this.db.raw('attempts + 1'),
        last_error: error.slice(0, 2000),
        claimed_until: null,
      });
  }
}
