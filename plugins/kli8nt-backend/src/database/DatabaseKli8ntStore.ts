import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { KnexLedgerTx } from './KnexLedgerTx';
import {
  AppRow,
  DeploymentRow,
  appToRow,
  decodeCursor,
  deploymentToRow,
  encodeCursor,
  outboxRows,
  rowToApp,
  rowToDeployment,
  selectEvents,
} from './rows';
import {
  AppRecord,
  DeploymentPage,
  DeploymentRecord,
  Kli8ntStore,
  LedgerTx,
  OutboxMessage,
} from './types';

const migrationsDir = resolvePackagePath(
  '@kli8nt/backstage-plugin-kli8nt-backend',
  'migrations',
);

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

  inApp<T>(appName: string, fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    return this.db.transaction(async tx => {
      const ledger = await KnexLedgerTx.lock(tx, appName);
      return fn(ledger);
    });
  }

  async createDeployment(options: {
    deployment: DeploymentRecord;
    app: AppRecord;
    outbox: OutboxMessage[];
  }) {
    await this.db.transaction(async tx => {
      await tx('apps')
        .insert(appToRow(options.app))
        .onConflict('entity_ref')
        .ignore();
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

  async setGithubDeploymentId(id: string, githubDeploymentId: number) {
    await this.db('deployments')
      .where({ id })
      .update({ github_deployment_id: githubDeploymentId });
  }

  listEvents(deploymentId: string) {
    return selectEvents(this.db, deploymentId);
  }

  async enqueue(outbox: OutboxMessage[]) {
    if (outbox.length) {
      await this.db('outbox').insert(outboxRows(outbox, new Date()));
    }
  }
}
