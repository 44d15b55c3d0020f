import { CustomObjectsApi } from '@kubernetes/client-node';
import { isNotFound } from '../runtime/apply';
import { Clock, systemClock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import {
  BUILD_GROUP,
  BUILD_PLURAL,
  BUILD_VERSION,
  BuildResource,
  isTerminalPhase,
} from './types';

/**
 * How long an ended Build is kept: a week of history for `kubectl get
 * builds`; the portal keeps the deployment's record for longer.
 */
export const BUILD_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Names of the Builds that ended (Succeeded, Failed, Cancelled) longer than
 * `retentionMs` ago. A Build that never recorded when it finished counts
 * from its creation.
 */
export function expiredBuilds(
  builds: BuildResource[],
  now: number,
  retentionMs: number,
): string[] {
  return builds
    .filter(build => isTerminalPhase(build.status?.phase))
    .filter(build => {
      const ended =
        build.status?.finishedAt ?? build.metadata.creationTimestamp;
      return (
        ended !== undefined && now - new Date(ended).getTime() > retentionMs
      );
    })
    .map(build => build.metadata.name);
}

/**
 * Deletes ended Builds after the retention period, so the builds namespace
 * does not grow forever (their Jobs already go with `ttlSecondsAfterFinished`;
 * anything else a Build owns goes with it through its owner references).
 * Runs on the leader, every `intervalMs`.
 */
export function startBuildRetention(options: {
  api: CustomObjectsApi;
  namespace: string;
  retentionMs: number;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
}): { sweep(): Promise<number>; stop(): void } {
  const { api, namespace, retentionMs, intervalMs, logger } = options;
  const clock = options.clock ?? systemClock;
  const ref = {
    group: BUILD_GROUP,
    version: BUILD_VERSION,
    plural: BUILD_PLURAL,
    namespace,
  };
  let timer: unknown;
  let stopped = false;

  const sweep = async (): Promise<number> => {
    const list = (await api.listNamespacedCustomObject(ref)) as {
      items: BuildResource[];
    };
    const names = expiredBuilds(list.items, clock.now(), retentionMs);
    for (const name of names) {
      try {
        await api.deleteNamespacedCustomObject({
          ...ref,
          name,
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    if (names.length) {
      logger.info('deleted ended builds past their retention', {
        count: names.length,
      });
    }
    return names.length;
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      sweep()
        .catch(error => logger.warn('build retention sweep failed', { error }))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    sweep,
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
