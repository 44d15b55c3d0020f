import type { KubeConfig } from '@kubernetes/client-node';
import { HealthCheck, startHealthServer } from './health';
import { LeaderElector, LeaseTiming } from './leaderElection';
import type { Logger } from './logger';

/** Work that runs while this replica leads. */
export interface LeaderWork {
  stop(): Promise<void>;
  /** Why the work is unhealthy (e.g. its queue is disconnected), if it is. */
  problem(): string | undefined;
}

export interface ElectedRoleOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Lease name: `kli8nt-<role>-<cluster>`. */
  lease: string;
  namespace: string;
  identity: string;
  /** Port of `/livez` and `/readyz`; none turns them off, 0 picks one. */
  healthPort?: number;
  /** How long the leader may be unhealthy before liveness fails. */
  livenessGraceMs?: number;
  timing?: LeaseTiming;
  start(): Promise<LeaderWork>;
}

/**
 * Runs a role's work only while this replica holds the role's Lease, so a
 * rolling update or a second replica never runs two at once; a lost lease
 * stops the work and waits for the lease again. Serves `/readyz` (a standby
 * is ready: it can take over; the leader is ready while its work is
 * healthy) and `/livez` (fails once the leader's work stayed unhealthy past
 * the grace period, so the kubelet restarts a wedged consumer).
 */
export async function startElectedRole(
  options: ElectedRoleOptions,
): Promise<{ stop(): Promise<void>; port?: number }> {
  const { logger, livenessGraceMs = 60_000 } = options;
  const elector = new LeaderElector({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    name: options.lease,
    identity: options.identity,
    logger,
    timing: options.timing,
  });
  let work: LeaderWork | undefined;
  let unhealthySince: number | undefined;
  const problem = () => {
    const found = elector.isLeader ? work?.problem() : undefined;
    if (!found) unhealthySince = undefined;
    else unhealthySince ??= Date.now();
    return found;
  };
  const readyz: HealthCheck = () => {
    const found = problem();
    return found ? { ok: false, reason: found } : { ok: true };
  };
  const livez: HealthCheck = () => {
    const found = problem();
    if (found && unhealthySince !== undefined) {
      const ms = Date.now() - unhealthySince;
      if (ms > livenessGraceMs) {
        return {
          ok: false,
          reason: `${found} for ${Math.round(ms / 1000)} s`,
        };
      }
    }
    return { ok: true };
  };
  const health =
    options.healthPort !== undefined
      ? await startHealthServer({ port: options.healthPort, livez, readyz })
      : undefined;

  const startWork = async () => {
    work = await options.start();
    return async () => {
      const running = work;
      work = undefined;
      await running?.stop();
    };
  };
  let stopping = false;
  const loop = (async () => {
    while (!stopping) await elector.lead(startWork);
  })().catch(error => {
    logger.error('leader election failed', { error });
  });

  return {
    port: health?.port,
    async stop() {
      stopping = true;
      elector.stop();
      await loop;
      await health?.close();
    },
  };
}
