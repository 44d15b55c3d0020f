import {
  CoordinationV1Api,
  KubeConfig,
  V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from './apply';
import { Clock, systemClock } from './clock';
import type { Logger } from './logger';

/** Timing of a lease, as client-go's leader election names it. */
export interface LeaseTiming {
  /** How long a lease holds without renewal; a standby waits this long. */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
}

/** client-go's defaults: a crashed leader is replaced within 15 s. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Lease name, e.g. `kli8nt-build-default`. */
  name: string;
  /** This replica, e.g. its pod name. */
  identity: string;
  logger: Logger;
  timing?: LeaseTiming;
  clock?: Clock;
}

function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

function expiresAt(lease: V1Lease): number {
  const spec = lease.spec ?? {};
  const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, so that two replicas
 * of a role (a rolling update, a second pod) never act at once. Every write
 * carries the lease's resourceVersion: of two replicas racing for an
 * expired lease exactly one wins, the other gets a conflict and waits.
 *
 * `lead` runs the given work once this replica holds the lease and stops it
 * when the lease is lost (renewals failing past the renew deadline) or on
 * `stop`, which also releases the lease so a standby takes over at once.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly timing: LeaseTiming;
  private readonly clock: Clock;
  private stopped = false;
  private leading = false;
  private stopRenewing = false;
  private wake?: () => void;

  constructor(private readonly options: LeaderElectorOptions) {
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.timing = options.timing ?? DEFAULT_LEASE_TIMING;
    this.clock = options.clock ?? systemClock;
  }

  /** Whether this replica holds the lease now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Waits for the lease, runs `start`, renews until the lease is lost or
   * `stop` is called, then runs the stopper `start` returned. Resolves with
   * `lost` when the lease was lost (the caller should exit so that it
   * restarts as a standby), `stopped` otherwise.
   */
  async lead(
    start: () => Promise<() => Promise<void>>,
  ): Promise<'lost' | 'stopped'> {
    const { logger, name, identity } = this.options;
    while (!this.stopped && !(await this.tryAcquireOrRenew())) {
      await this.sleep(this.timing.retryPeriodMs);
    }
    if (this.stopped) return 'stopped';
    this.leading = true;
    logger.info('became leader', { lease: name, identity });
    // Renewals run while the work starts: starting may wait for a broker
    // for longer than the lease lasts.
    const renewing = this.renewUntilLost();
    let outcome: 'lost' | 'stopped';
    try {
      const stopWork = await start();
      outcome = await renewing;
      this.leading = false;
      await stopWork();
    } catch (error) {
      logger.error('the work of the leader failed to start', { error });
      this.stopRenewing = true;
      this.wake?.();
      await renewing;
      outcome = 'lost';
    }
    this.leading = false;
    this.stopRenewing = false;
    await this.release();
    logger.info(outcome === 'lost' ? 'lost the lease' : 'released the lease', {
      lease: name,
      identity,
    });
    return outcome;
  }

  /** Ends `lead` (or stops waiting for the lease). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async renewUntilLost(): Promise<'lost' | 'stopped'> {
    let lastRenew = this.clock.now();
    while (!this.stopped && !this.stopRenewing) {
      await this.sleep(this.timing.retryPeriodMs);
      if (this.stopped || this.stopRenewing) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew >= this.timing.renewDeadlineMs) {
        return 'lost';
      }
    }
    return this.stopRenewing ? 'lost' : 'stopped';
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, logger } = this.options;
    const now = this.clock.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.timing.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
          },
        });
        return true;
      }
      const holder = lease.spec?.holderIdentity;
      const mine = holder === identity;
      if (!mine && holder && expiresAt(lease) > now) return false;
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            ...spec,
            acquireTime: mine ? lease.spec?.acquireTime : microTime(now),
            leaseTransitions:
              (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1),
          },
        },
      });
      return true;
    } catch (error) {
      if (!isConflict(error)) {
        logger.warn('lease request failed', {
          lease: name,
          error: (error as Error).message,
        });
      }
      return false;
    }
  }

  /** Gives the lease up so that a standby need not wait for it to expire. */
  private async release() {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: undefined,
            leaseDurationSeconds: 1,
          },
        },
      });
    } catch (error) {
      this.options.logger.warn('could not release the lease', {
        lease: name,
        error: (error as Error).message,
      });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const handle = this.clock.setTimeout(resolve, ms);
      this.wake = () => {
        this.clock.clearTimeout(handle);
        resolve();
      };
    });
  }
}
