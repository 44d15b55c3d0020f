// When waiting becomes failure: one rule for every wait of a rollout that nothing else ends.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../runtime';
import type { Outcome } from './status';
import { App, timestampOf } from './types';

/**
 * When kli8nt's server-side apply last changed the object (its
 * managedFields entry; status writes are another subresource's), if the
 * API server recorded it.
 */
export function appliedAt(object: KubernetesObject): number | undefined {
  const entry = object.metadata?.managedFields?.find(
    f => f.manager === FIELD_MANAGER && !f.subresource && f.time,
  );
  return entry?.time === undefined ? undefined : timestampOf(entry.time);
}

/**
 * When the adapter last changed the App's spec, else when the deployment
 * was requested.
 */
export function specAppliedAt(app: App): number {
  return appliedAt(app) ?? timestampOf(app.spec.requestedAt);
}

/**
 * The outcome after the rollout deadline: a progressing outcome whose wait
 * nothing else will end (it carries `overdue`) fails once it has lasted
 * `deadlineSeconds`; any other outcome is as observed.
 */
export function failIfOverdue(
  outcome: Outcome,
  nowMs: number,
  deadlineSeconds: number,
): Outcome {
  if (outcome.kind !== 'progressing' || !outcome.overdue) return outcome;
  const { since, reason, message } = outcome.overdue;
  if (nowMs - since <= deadlineSeconds * 1000) return outcome;
  return {
    kind: 'failed',
    reason,
    message,
    ...(outcome.readiness ? { readiness: outcome.readiness } : {}),
  };
}
