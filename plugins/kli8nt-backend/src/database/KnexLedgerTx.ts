import {
  TERMINAL_DEPLOYMENT_STATUSES,
  isTerminalStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { Knex } from 'knex';
import { BUILD_TRIGGERS } from '../ledger/decide';
import {
  AppRow,
  DeploymentRow,
  appToRow,
  deploymentToRow,
  eventToRow,
  optNumber,
  outboxRows,
  rowToApp,
  rowToDeployment,
  selectEvents,
} from './rows';
import {
  AppRecord,
  DeploymentEventRecord,
  DeploymentRecord,
  DeploymentState,
  LedgerTx,
  OutboxMessage,
} from './types';

interface SequenceRow {
  app_name: string;
  last_sequence: string | number;
  deleted_sequence: string | number | null;
}

/**
 * {@link LedgerTx} on a knex transaction. `lock` takes the app's row in
 * `app_sequences` FOR UPDATE (PostgreSQL; SQLite has one writer at a time
 * anyway), so a second replica's transaction on the same app waits for this
 * one to commit and then sees everything it wrote.
 */
export class KnexLedgerTx implements LedgerTx {
  static async lock(tx: Knex.Transaction, appName: string) {
    await tx('app_sequences')
      .insert({ app_name: appName, last_sequence: 0 })
      .onConflict('app_name')
      .ignore();
    const query = tx<SequenceRow>('app_sequences')
      .where({ app_name: appName })
      .first();
    if (tx.client.config.client === 'pg') query.forUpdate();
    const row = await query;
    return new KnexLedgerTx(tx, appName, row!);
  }

  private last: number;
  private deleted: number | undefined;

  private constructor(
    private readonly tx: Knex.Transaction,
    readonly appName: string,
    row: SequenceRow,
  ) {
    this.last = Number(row.last_sequence);
    this.deleted = optNumber(row.deleted_sequence);
  }

  async nextSequence() {
    this.last += 1;
    await this.tx('app_sequences')
      .where({ app_name: this.appName })
      .update({ last_sequence: this.last });
    return this.last;
  }

  async deletedSequence() {
    return this.deleted;
  }

  async markDeleted(sequence: number) {
    this.deleted = sequence;
    await this.tx('app_sequences')
      .where({ app_name: this.appName })
      .update({ deleted_sequence: sequence });
  }

  async getApp(entityRef: string) {
    const row = await this.tx<AppRow>('apps')
      .where({ entity_ref: entityRef })
      .first();
    return row ? rowToApp(row) : undefined;
  }

  async getAppByName(appName: string) {
    const row = await this.tx<AppRow>('apps')
      .where({ app_name: appName })
      .first();
    return row ? rowToApp(row) : undefined;
  }

  async saveApp(app: AppRecord, options: { replace?: boolean } = {}) {
    const row = appToRow(app);
    const insert = this.tx('apps').insert(row).onConflict('entity_ref');
    if (options.replace) {
      const { created_at: _c, entity_ref: _e, ...changes } = row;
      await insert.merge(changes);
    } else {
      await insert.ignore();
    }
  }

  async deleteApp(entityRef: string) {
    const { tx } = this;
    const ids = tx('deployments').where({ entity_ref: entityRef }).select('id');
    await tx('deployment_events').whereIn('deployment_id', ids).delete();
    await tx('outbox')
      .whereIn('deployment_id', ids)
      .whereNull('sent_at')
      .delete();
    await tx('deployments').where({ entity_ref: entityRef }).delete();
    await tx('apps').where({ entity_ref: entityRef }).delete();
    // A deleted app stays deleted: no push redeploys it (webhooks/).
    await tx('app_git_settings').where({ entity_ref: entityRef }).delete();
    await tx('previews').where({ app_name: this.appName }).delete();
    await tx('domain_claims').where({ app_name: this.appName }).delete();
  }

  async claimedDomains(entityRef: string) {
    const rows: { domain: string }[] = await this.tx('domain_claims')
      .where({ entity_ref: entityRef, app_name: this.appName })
      .select('domain');
    return rows.map(r => r.domain);
  }

  async insertDeployment(deployment: DeploymentRecord) {
    await this.tx('deployments').insert(deploymentToRow(deployment));
  }

  async getDeployment(id: string) {
    const row = await this.tx<DeploymentRow>('deployments')
      .where({ id })
      .first();
    return row ? rowToDeployment(row) : undefined;
  }

  activeDeployments() {
    return this.activeDeploymentsOf(this.appName);
  }

  async activeDeploymentsOf(appName: string, options: { lock?: boolean } = {}) {
    if (options.lock) await KnexLedgerTx.lock(this.tx, appName);
    const rows = await this.tx<DeploymentRow>('deployments')
      .where({ app_name: appName })
      .andWhere(q =>
        q
          .whereNotIn('status', [...TERMINAL_DEPLOYMENT_STATUSES])
          .orWhere('status', 'live'),
      );
    return rows.map(rowToDeployment);
  }

  async buildsInProgress(cluster: string) {
    const count = async (where: Record<string, string>) => {
      const [{ n }] = await this.tx('deployments')
        .where(where)
        .whereIn('status', ['queued', 'building'])
        .whereIn('trigger', [...BUILD_TRIGGERS])
        .whereNull('rollout_sequence')
        .count({ n: '*' });
      return Number(n);
    };
    return {
      app: await count({ app_name: this.appName }),
      cluster: await count({ cluster }),
    };
  }

  async updateDeploymentState(id: string, state: DeploymentState, now: Date) {
    await this.tx('deployments')
      .where({ id })
      .update({
        status: state.status,
        reason: state.reason ?? null,
        message: state.message ?? null,
        url: state.url ?? null,
        image: state.image ?? null,
        image_digest: state.imageDigest ?? null,
        updated_at: now,
        finished_at: isTerminalStatus(state.status) ? now : null,
      });
  }

  async setRolloutSequence(id: string, sequence: number) {
    await this.tx('deployments')
      .where({ id })
      .update({ rollout_sequence: sequence });
  }

  async recordEvent(event: DeploymentEventRecord) {
    const inserted = await this.tx('deployment_events')
      .insert(eventToRow(event))
      .onConflict('message_id')
      .ignore()
      .returning('seq');
    return inserted.length > 0;
  }

  listEvents(deploymentId: string) {
    return selectEvents(this.tx, deploymentId);
  }

  async enqueue(outbox: OutboxMessage[]) {
    if (outbox.length) {
      await this.tx('outbox').insert(outboxRows(outbox, new Date()));
    }
  }

  async withdrawPending(deploymentId: string) {
    return this.tx('outbox')
      .where({ deployment_id: deploymentId })
      .whereNull('sent_at')
      .delete();
  }
}
