import { DatabaseService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { AppRecord, Kli8ntStore } from '../database/types';

interface ClaimRow {
  domain: string;
  entity_ref: string;
  app_name: string;
  verified_at: Date | string | number;
}

/**
 * The verified domains (`domain_claims`; migrated by DatabaseKli8ntStore).
 * A claim lasts while its app lists the domain: an app that drops it, or is
 * deleted, frees it for the next app that proves it.
 */
export class DomainClaimStore {
  static async create(options: {
    database: DatabaseService;
    store: Pick<Kli8ntStore, 'getAppByName'>;
  }): Promise<DomainClaimStore> {
    return new DomainClaimStore(
      await options.database.getClient(),
      options.store,
    );
  }

  constructor(
    private readonly db: Knex,
    private readonly store: Pick<Kli8ntStore, 'getAppByName'>,
  ) {}

  /** The domains of `domains` that this app holds. */
  async heldBy(
    app: { entityRef: string; appName: string },
    domains: string[],
  ): Promise<Set<string>> {
    if (domains.length === 0) return new Set();
    const rows = await this.db<ClaimRow>('domain_claims')
      .whereIn('domain', domains)
      .where({ entity_ref: app.entityRef, app_name: app.appName })
      .select('domain');
    return new Set(rows.map(r => r.domain));
  }

  /** Throws a 409 naming the holder if another app holds `domain`. */
  async assertFree(
    app: { entityRef: string; appName: string },
    domain: string,
  ): Promise<void> {
    const row = await this.db<ClaimRow>('domain_claims')
      .where({ domain })
      .first();
    if (row && !sameApp(row, app) && (await this.stillHeld(row))) {
      throw clash(domain, row);
    }
  }

  /**
   * Gives `domain` to the app. Compare-and-swap on the row, so two apps
   * proving the same domain at once never both get it.
   */
  async claim(
    app: { entityRef: string; appName: string },
    domain: string,
    now: Date,
  ): Promise<void> {
    const mine: ClaimRow = {
      domain,
      entity_ref: app.entityRef,
      app_name: app.appName,
      verified_at: now,
    };
    for (;;) {
      await this.db('domain_claims').insert(mine).onConflict('domain').ignore();
      const row = await this.db<ClaimRow>('domain_claims')
        .where({ domain })
        .first();
      if (!row) continue; // freed meanwhile
      if (sameApp(row, app)) return;
      if (await this.stillHeld(row)) throw clash(domain, row);
      const { domain: _d, ...update } = mine;
      const taken = await this.db('domain_claims')
        .where({ domain, entity_ref: row.entity_ref, app_name: row.app_name })
        .update(update);
      if (taken === 1) return;
    }
  }

  /** Every claim whose app still lists its domain, with that app. */
  async active(): Promise<{ domain: string; app: AppRecord }[]> {
    const rows = await this.db<ClaimRow>('domain_claims').select();
    const out: { domain: string; app: AppRecord }[] = [];
    for (const row of rows) {
      const app = await this.store.getAppByName(row.app_name);
      if (
        app &&
        sameApp(row, app) &&
        app.settings.domains.includes(row.domain)
      ) {
        out.push({ domain: row.domain, app });
      }
    }
    return out;
  }

  /** Takes `domain` from the app, if the app still holds it. */
  async release(
    app: { entityRef: string; appName: string },
    domain: string,
  ): Promise<void> {
    await this.db('domain_claims')
      .where({ domain, entity_ref: app.entityRef, app_name: app.appName })
      .delete();
  }

  /** Whether the holder's app still exists for its entity and lists it. */
  private async stillHeld(row: ClaimRow): Promise<boolean> {
    const holder = await this.store.getAppByName(row.app_name);
    return Boolean(
      holder &&
        holder.entityRef === row.entity_ref &&
        holder.settings.domains.includes(row.domain),
    );
  }
}

function sameApp(
  row: ClaimRow,
  app: { entityRef: string; appName: string },
): boolean {
  return row.entity_ref === app.entityRef && row.app_name === app.appName;
}

function clash(domain: string, row: ClaimRow): ConflictError {
  return new ConflictError(
    `${domain} is already verified by ${row.entity_ref} (app ${row.app_name}); ask its owners to remove it from their settings first`,
  );
}
