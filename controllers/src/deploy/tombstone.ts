import type { CustomObjectsApi } from '@kubernetes/client-node';
import { isNotFound } from '../runtime';
import {
  APP_GROUP,
  APP_PLURAL,
  APP_VERSION,
  App,
  AppCondition,
  CONDITION_READY,
  sequenceOf,
} from './types';

const DELETED = 'Deleted';

/**
 * The Ready condition of a tombstone. Its time is when this deletion was
 * stored: kept only from a Deleted condition of the same generation, never
 * from an earlier Ready=False (a failed rollout) or an earlier deletion the
 * app was brought back from, so retention counts from the delete.
 */
export function deletedCondition(app: App, now: string): AppCondition {
  const generation = app.metadata.generation;
  const old = app.status?.conditions?.find(c => c.type === CONDITION_READY);
  const same = old?.reason === DELETED && old.observedGeneration === generation;
  return {
    type: CONDITION_READY,
    status: 'False',
    reason: DELETED,
    message: `The app was deleted (sequence ${sequenceOf(app)})`,
    observedGeneration: generation,
    lastTransitionTime: same ? old.lastTransitionTime : now,
  };
}

/**
 * How long the tombstone is kept still: 0 once its retention has passed.
 * A tombstone whose Deleted condition is not written yet counts from now.
 */
export function tombstoneRemainingMs(
  app: App,
  nowMs: number,
  retentionMs: number,
): number {
  const ready = app.status?.conditions?.find(c => c.type === CONDITION_READY);
  const since =
    ready?.reason === DELETED ? Date.parse(ready.lastTransitionTime) : nowMs;
  return Math.max(0, since + retentionMs - nowMs);
}

/**
 * Deletes the tombstone at the version the pass read: if a newer deploy or
 * delete wrote it since, the API server answers 409 and the pass runs again
 * on what is stored now. Already gone is fine.
 */
export async function deleteTombstone(custom: CustomObjectsApi, app: App) {
  const { namespace, name, resourceVersion } = app.metadata;
  // An empty version would make the delete unconditional.
  if (!resourceVersion) {
    throw new Error(
      `${APP_PLURAL}/${namespace}/${name} has no resourceVersion; read it from the API server before deleting it`,
    );
  }
  try {
    await custom.deleteNamespacedCustomObject({
      group: APP_GROUP,
      version: APP_VERSION,
      plural: APP_PLURAL,
      namespace: namespace!,
      name: name!,
      body: { preconditions: { resourceVersion } },
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
