import {
  BackstageCredentials,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  DomainState,
  kli8ntAppConfigurePermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, DeploymentRecord } from '../database/types';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { AppDirectory, userRef } from '../service/apps';
import { EntityAccess } from '../service/EntityAccess';
import { assertDomainsAllowed } from './allowList';
import { challengeRecord } from './challenge';
import { DomainsConfig } from './config';
import { TxtLookup } from './dnsLookup';
import { DomainClaimStore } from './DomainClaimStore';

type AppId = Pick<AppRecord, 'entityRef' | 'appName'>;

/** A lookup of one domain's record: found, or why not. */
type Check =
  | { status: 'found' }
  | { status: 'missing' | 'failed'; reason: string };

/**
 * Custom domains: which an entity may list (the operator's allow-list, not
 * another app's verified domain) and the DNS proof that turns a pending
 * domain into a verified one. Only verified domains are routed
 * (see `routedDomains.ts`).
 */
export class DomainService {
  constructor(
    private readonly options: {
      config: DomainsConfig;
      claims: DomainClaimStore;
      lookup: TxtLookup;
      access: EntityAccess;
      apps: AppDirectory;
      ledger: DeploymentLedger;
      /** Announces a `config` deployment (GitHub, browsers). */
      accepted(deployment: DeploymentRecord): Promise<void>;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  /** At a settings save: refuses domains not allowed or held by another app. */
  async assertSavable(
    entity: Entity,
    app: AppId,
    domains: string[],
  ): Promise<void> {
    assertDomainsAllowed(this.options.config, entity, domains);
    for (const domain of domains) {
      await this.options.claims.assertFree(app, domain);
    }
  }

  /** Each domain of the app, verified or pending with the record to add. */
  async states(
    app: AppRecord,
    reasons: Map<string, string> = new Map(),
  ): Promise<DomainState[]> {
    const { domains } = app.settings;
    const held = await this.options.claims.heldBy(app, domains);
    const secret = this.options.config.challengeSecret;
    return domains.map(domain => ({
      domain,
      status: held.has(domain) ? 'verified' : 'pending',
      ...(secret ? { record: challengeRecord(secret, app, domain) } : {}),
      ...(reasons.has(domain) ? { reason: reasons.get(domain) } : {}),
    }));
  }

  /**
   * Looks up the record of each pending domain; those found become the
   * app's (409 naming the holder, before anything is written, if another
   * app holds one). A running app is rolled out again to route them.
   */
  async verify(options: {
    entityRef: string;
    credentials: BackstageCredentials;
  }): Promise<{ items: DomainState[]; deployment?: DeploymentRecord }> {
    const { claims, config } = this.options;
    const entity = await this.options.access.load(
      options.entityRef,
      kli8ntAppConfigurePermission,
      options.credentials,
    );
    const { app } = await this.options.apps.resolve(entity);
    const held = await claims.heldBy(app, app.settings.domains);
    const pending = app.settings.domains.filter(d => !held.has(d));
    // The operator may have narrowed the list since the domain was saved.
    assertDomainsAllowed(config, entity, pending);
    const reasons = new Map<string, string>();
    const proven: string[] = [];
    await Promise.all(
      pending.map(async domain => {
        const check = await this.check(app, domain);
        if (check.status === 'found') proven.push(domain);
        else reasons.set(domain, check.reason);
      }),
    );
    for (const domain of proven) await claims.assertFree(app, domain);
    const now = this.options.now?.() ?? new Date();
    for (const domain of proven) await claims.claim(app, domain, now);
    if (proven.length === 0) return { items: await this.states(app, reasons) };
    const saved = await this.rollOutAgain(app, userRef(options.credentials));
    return {
      items: await this.states(saved.app, reasons),
      ...(saved.deployment ? { deployment: saved.deployment } : {}),
    };
  }

  /**
   * Looks every verified domain up again: one whose record is gone is
   * pending again, and its app is rolled out without it. A lookup that
   * fails (the resolver is down) changes nothing.
   */
  async recheck(): Promise<{ checked: number; released: string[] }> {
    const { claims, logger, config } = this.options;
    // Without the secret no record can be computed: keep the claims.
    if (!config.challengeSecret) return { checked: 0, released: [] };
    const held = await claims.active();
    const lost = new Map<string, AppRecord>();
    const released: string[] = [];
    for (const { domain, app } of held) {
      const check = await this.check(app, domain);
      if (check.status === 'found') continue;
      if (check.status === 'failed') {
        logger.warn(
          `Custom domain ${domain} of ${app.entityRef} not re-checked: ${check.reason}`,
        );
        continue;
      }
      await claims.release(app, domain);
      released.push(domain);
      lost.set(app.appName, app);
      logger.warn(
        `Custom domain ${domain} of ${app.entityRef} is pending again: ${check.reason}`,
      );
    }
    for (const app of lost.values()) {
      await this.rollOutAgain(app, 'kli8nt:domain-recheck');
    }
    return { checked: held.length, released };
  }

  /** Registers the periodic re-check. */
  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'kli8nt-domain-recheck',
      frequency: { minutes: this.options.config.recheckIntervalMinutes },
      timeout: { minutes: 10 },
      initialDelay: { minutes: 1 },
      fn: async () => {
        await this.recheck();
      },
    });
  }

  /** The same settings again: a running app's routes follow the claims. */
  private async rollOutAgain(app: AppRecord, requestedBy: string) {
    const saved = await this.options.ledger.saveSettings({
      app,
      change: current => current,
      requestedBy,
    });
    if (saved.deployment) await this.options.accepted(saved.deployment);
    return saved;
  }

  /** Whether the domain's record is there, else why not. */
  private async check(app: AppId, domain: string): Promise<Check> {
    const record = challengeRecord(
      this.options.config.challengeSecret!,
      app,
      domain,
    );
    const answer = await this.options.lookup(record.name);
    if (answer.kind === 'failed') {
      return {
        status: 'failed',
        reason: `DNS lookup of ${record.name} failed (${answer.error}); try again later`,
      };
    }
    if (answer.kind === 'none' || answer.values.length === 0) {
      return {
        status: 'missing',
        reason: `No TXT record at ${record.name} yet; add it (DNS changes can take minutes to appear)`,
      };
    }
    if (!answer.values.includes(record.value)) {
      return {
        status: 'missing',
        reason: `The TXT records at ${record.name} do not include ${record.value}`,
      };
    }
    return { status: 'found' };
  }
}
