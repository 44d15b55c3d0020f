import { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, LedgerTx, StoredAppSettings } from '../database/types';

/** The operator's caps (`kli8nt.limits`), read once by `config.ts`. */
export interface Kli8ntLimits {
  app: {
    /** Most CPU one app may hold: size × replicas × long-running processes. */
    maxCpu: string;
    maxMemory: string;
    /** What an app that sets no size is counted at (the deploy controller's default limits). */
    defaultCpu: string;
    defaultMemory: string;
  };
  builds: {
    /** Builds of one app queued or running at once. */
    perApp: number;
    /** Builds of all apps of one cluster queued or running at once. */
    perCluster: number;
  };
}

/**
 * A request over an operator's limit. The status says what kind: 422 for a
 * size that can never be accepted as it is, 429 for "not now, try later".
 */
export class LimitExceededError extends Error {
  // Backstage's error handler answers with an error's `statusCode`.
  constructor(message: string, readonly statusCode: 422 | 429) {
    super(message);
    this.name = 'LimitExceededError';
  }

  /** The reason of a deployment this error ends. */
  readonly reason = 'LimitExceeded';
}

const SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`500m`, `1.5`, `512Mi`) as a plain number; throws on anything else. */
export function parseQuantity(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)([a-zA-Z]{0,2})$/.exec(quantity);
  const factor = match ? SUFFIXES[match[2]] : undefined;
  if (!match || factor === undefined) {
    throw new Error(`'${quantity}' is not a Kubernetes quantity`);
  }
  return Number(match[1]) * factor;
}

/** Web and worker processes each run `replicas` pods; a release Job runs once. */
function longRunning(processes: Process[] | undefined): number {
  if (!processes) return 1;
  return Math.max(1, processes.filter(p => p.type !== 'release').length);
}

/**
 * Why `settings` ask for more than an app may hold, or undefined when they
 * fit. Each pod's size is its limit (the deploy controller sets request =
 * limit for a chosen size); an unset size counts at the platform default.
 */
export function appSizeProblem(
  settings: Pick<StoredAppSettings, 'replicas' | 'resources'>,
  processes: Process[] | undefined,
  limits: Kli8ntLimits['app'],
): string | undefined {
  const pods = settings.replicas * longRunning(processes);
  const what =
    pods === settings.replicas
      ? `${settings.replicas} replicas`
      : `${settings.replicas} replicas × ${pods / settings.replicas} processes`;
  for (const [kind, key, size, max] of [
    [
      'CPU',
      'maxCpu',
      settings.resources?.cpu ?? limits.defaultCpu,
      limits.maxCpu,
    ],
    [
      'memory',
      'maxMemory',
      settings.resources?.memory ?? limits.defaultMemory,
      limits.maxMemory,
    ],
  ] as const) {
    // A hair of slack for binary fractions (100m × 3 against 300m).
    if (parseQuantity(size) * pods > parseQuantity(max) * (1 + 1e-9)) {
      return `The app would use ${size} ${kind} × ${what}, more than the ${max} an app may have (kli8nt.limits.app.${key}): lower the replicas or the ${kind} size, or ask the platform team`;
    }
  }
  return undefined;
}

/** Throws 422 when the settings ask for more than an app may hold. */
export function assertAppSize(
  limits: Kli8ntLimits | undefined,
  settings: StoredAppSettings,
  processes: Process[] | undefined,
): void {
  const problem = limits && appSizeProblem(settings, processes, limits.app);
  if (problem) throw new LimitExceededError(problem, 422);
}

/**
 * Throws 429 when the app or its cluster has as many builds queued or
 * running as allowed. Runs in the app's ledger transaction, so the app's
 * count is exact.
 */
export async function assertBuildSlots(
  limits: Kli8ntLimits | undefined,
  tx: Pick<LedgerTx, 'buildsInProgress'>,
  app: Pick<AppRecord, 'appName' | 'cluster'>,
): Promise<void> {
  if (!limits) return;
  const { perApp, perCluster } = limits.builds;
  const { app: appBuilds, cluster: clusterBuilds } = await tx.buildsInProgress(
    app.cluster,
  );
  if (appBuilds >= perApp) {
    throw new LimitExceededError(
      `${app.appName} has ${appBuilds} builds queued or running, as many as an app may have (kli8nt.limits.builds.perApp): wait for one to finish, or cancel one, and deploy again`,
      429,
    );
  }
  if (clusterBuilds >= perCluster) {
    throw new LimitExceededError(
      `Cluster ${app.cluster} has ${clusterBuilds} builds queued or running, as many as it takes (kli8nt.limits.builds.perCluster): deploy again in a few minutes`,
      429,
    );
  }
}
