import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { OutboxRecord } from '../database/types';

interface Row {
  id: number;
  queue: string;
  message_id: string;
  deployment_id: string | null;
  message: string;
  attempts: number;
  claimed_until: Date | string | number | null;
  created_at: Date | string | number;
}

/** A pending outbox row with the app its message is about. */
export interface ClaimedRow extends OutboxRecord {
  /** Ordering key: the message's `payload.app`, or the row's queue. */
  app: string;
}

/** SQLite hands timestamps back as numbers or strings, PostgreSQL as Dates. */
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function appOf(message: unknown, queue: string): string {
  const app = (message as { payload?: { app?: unknown } })?.payload?.app;
  return typeof app === 'string' ? app : queue;
}

/**
 * The relay's view of the outbox table: per-app claims, per-row backoff,
 * parking and retention. Rows are written by the ledger
 * (`LedgerTx.enqueue`); only the relay reads them.
 */
export class OutboxStore {
  /** The store on the plugin's database (migrated by `DatabaseKli8ntStore`). */
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'>;
  }): Promise<OutboxStore> {
    return new OutboxStore(await options.database.getClient());
  }

  constructor(private readonly db: Knex) {}

  /**
   * Leases up to `limit` rows so that each app's messages go out in order
   * while apps do not wait for each other: of each app only a prefix of its
   * pending rows is taken, and none when its oldest pending row is leased
   * (by another replica, or backing off after a failure). Parked rows are
   * skipped, so they block nobody. `waitUntil` is when the earliest lease
   * that held an app back ends.
   */
  async claim(options: {
    limit: number;
    leaseMs: number;
    now: Date;
    /** How many pending rows to look at per claim. */
    window?: number;
  }): Promise<{ rows: ClaimedRow[]; waitUntil?: Date }> {
    const { limit, leaseMs, now } = options;
    return this.db.transaction(async tx => {
      const query = tx<Row>('outbox')
        .whereNull('sent_at')
        .whereNull('parked_at')
        .orderBy('id', 'asc')
        .limit(options.window ?? Math.max(200, limit * 10));
      // Without skip-locked: a second replica waits the few milliseconds
      // of this transaction and then sees this one's leases.
      if (tx.client.config.client === 'pg') query.forUpdate();
      const rows = await query;
      const blocked = new Set<string>();
      const taken: ClaimedRow[] = [];
      let waitUntil: Date | undefined;
      for (const row of rows) {
        const message = JSON.parse(row.message);
        const app = appOf(message, row.queue);
        if (blocked.has(app)) continue;
        const lease = row.claimed_until && toDate(row.claimed_until);
        const leased = lease && lease > now;
        if (leased && (!waitUntil || lease < waitUntil)) waitUntil = lease;
        if (leased || taken.length >= limit) {
          blocked.add(app);
          continue;
        }
        taken.push({
          id: row.id,
          queue: row.queue,
          messageId: row.message_id,
          deploymentId: row.deployment_id ?? undefined,
          message,
          attempts: row.attempts,
          createdAt: toDate(row.created_at).toISOString(),
          app,
        });
      }
      if (taken.length) {
        await tx('outbox')
          .whereIn(
            'id',
            taken.map(r => r.id),
          )
          .update({ claimed_until: new Date(now.getTime() + leaseMs) });
      }
      return { rows: taken, waitUntil };
    });
  }

  async markSent(id: number, now: Date): Promise<void> {
    await this.db('outbox')
      .where({ id })
      .update({ sent_at: now, claimed_until: null });
  }

  /** Gives up leases of rows that were not attempted. */
  async release(ids: number[]): Promise<void> {
    if (ids.length) {
      await this.db('outbox')
        .whereIn('id', ids)
        .whereNull('sent_at')
        .update({ claimed_until: null });
    }
  }

  /**
   * Records a failed attempt; the row (and so its app) waits until
   * `retryAt`, other apps go on.
   */
  async markFailed(id: number, error: string, retryAt: Date): Promise<void> {
    await this.db('outbox')
      .where({ id })
      .update({
        attempts: this.db.raw('attempts + 1'),
        last_error: error.slice(0, 2000),
        claimed_until: retryAt,
      });
  }

  /** Gives up on a row: it is kept (for operators) but never published. */
  async park(id: number, error: string, now: Date): Promise<void> {
    await this.db('outbox')
      .where({ id })
      .update({
        attempts: this.db.raw('attempts + 1'),
        last_error: error.slice(0, 2000),
        claimed_until: null,
        parked_at: now,
      });
  }

  /** Deletes rows sent or parked before `cutoff`; returns how many. */
  async deleteFinishedBefore(cutoff: Date): Promise<number> {
    return this.db('outbox')
      .where(q =>
        q.where('sent_at', '<', cutoff).orWhere('parked_at', '<', cutoff),
      )
      .delete();
  }
}
