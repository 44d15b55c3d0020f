import {
  DeploymentStatus,
  DeploymentTrigger,
  isTerminalStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';

/*
 * The decisions of the deployment ledger, as pure functions of the app's
 * deployments. Only the ledger calls them, inside the app's transaction.
 *
 * Order: every request takes the app's next sequence number when it is
 * accepted (`sequence`); sending a deployment to the deploy queue is a
 * decision that takes a number too (`rolloutSequence`; for a redeploy,
 * rollback or settings change the two are the same). The deploy controller
 * applies rollouts in `rolloutSequence` order, so the cluster follows the
 * order of the ledger's decisions, whatever order builds finish in.
 */

/** What the decisions read of a deployment. */
export interface LedgerEntry {
  id: string;
  sequence: number;
  trigger: DeploymentTrigger;
  status: DeploymentStatus;
  rolloutSequence?: number;
}

/** Requests that choose an image; a settings change keeps the image. */
const IMAGE_TRIGGERS: ReadonlySet<DeploymentTrigger> = new Set([
  'manual',
  'scaffolder',
  'push',
  'preview',
  'redeploy',
  'rollback',
]);

/** Requests whose image is built first. */
export const BUILD_TRIGGERS: ReadonlySet<DeploymentTrigger> = new Set([
  'manual',
  'scaffolder',
  'push',
  'preview',
]);

export function isBuild(trigger: DeploymentTrigger): boolean {
  return BUILD_TRIGGERS.has(trigger);
}

/** Follow-ups of sending `entry` to the deploy queue. */
export interface RolloutEffects {
  /** Ended `superseded`: they can never take effect any more. */
  supersede: string[];
  /** Of those, the ones whose build still runs: cancel it. */
  cancelBuilds: string[];
}

/**
 * Rolling out `entry` replaces, in the cluster, every rollout sent before it
 * that has not finished; and a request that chose an image makes every older
 * unfinished request moot. Older builds survive a settings change: they roll
 * out later with the new settings. Live deployments stay live until the
 * rollout is (see {@link decideLive}).
 */
export function rolloutEffects(
  entry: LedgerEntry,
  others: LedgerEntry[],
): RolloutEffects {
  const supersede: string[] = [];
  const cancelBuilds: string[] = [];
  for (const other of others) {
    if (other.id === entry.id || isTerminalStatus(other.status)) continue;
    if (other.rolloutSequence !== undefined) {
      supersede.push(other.id);
    } else if (
      IMAGE_TRIGGERS.has(entry.trigger) &&
      other.sequence < entry.sequence
    ) {
      supersede.push(other.id);
      if (isBuild(other.trigger)) cancelBuilds.push(other.id);
    }
  }
  return { supersede, cancelBuilds };
}

export type BuiltDecision =
  | ({ kind: 'rollOut' } & RolloutEffects)
  /** A later request that chose an image already took effect. */
  | { kind: 'superseded'; by: string }
  /** The app was deleted after this request. */
  | { kind: 'deleted' }
  /** Rolled out already, or finished: nothing to do (a redelivery). */
  | { kind: 'none' };

/** A build finished: roll its image out now, or not at all. */
export function decideBuilt(
  entry: LedgerEntry,
  others: LedgerEntry[],
  deletedSequence: number | undefined,
): BuiltDecision {
  if (entry.rolloutSequence !== undefined || isTerminalStatus(entry.status)) {
    return { kind: 'none' };
  }
  if (deletedSequence !== undefined && deletedSequence > entry.sequence) {
    return { kind: 'deleted' };
  }
  const newer = others
    .filter(
      o =>
        o.id !== entry.id &&
        IMAGE_TRIGGERS.has(o.trigger) &&
        o.sequence > entry.sequence &&
        o.rolloutSequence !== undefined,
    )
    .sort((a, b) => b.sequence - a.sequence)[0];
  if (newer) return { kind: 'superseded', by: newer.id };
  return { kind: 'rollOut', ...rolloutEffects(entry, others) };
}

export type LiveDecision =
  /** `entry` serves now; these served before it. */
  | { kind: 'serves'; supersede: string[] }
  /** A rollout decided after it is live already. */
  | { kind: 'superseded'; by: string };

const rolloutOf = (e: LedgerEntry) => e.rolloutSequence ?? -1;

/** One app serves one deployment: the live one rolled out last. */
export function decideLive(
  entry: LedgerEntry,
  others: LedgerEntry[],
): LiveDecision {
  const lives = others.filter(o => o.id !== entry.id && o.status === 'live');
  const later = lives
    .filter(o => rolloutOf(o) > rolloutOf(entry))
    .sort((a, b) => rolloutOf(b) - rolloutOf(a))[0];
  if (later) return { kind: 'superseded', by: later.id };
  return { kind: 'serves', supersede: lives.map(o => o.id) };
}

export type CancelDecision =
  | { kind: 'cancel'; cancelBuild: boolean }
  | { kind: 'refuse'; reason: string };

/**
 * Only work that has not reached a deploy controller can be cancelled: a
 * rollout cannot be taken back half-way, only replaced.
 */
export function decideCancel(entry: LedgerEntry): CancelDecision {
  if (isTerminalStatus(entry.status)) {
    return {
      kind: 'refuse',
      reason: `it is already ${entry.status}; to change what runs, deploy again or roll back`,
    };
  }
  if (entry.rolloutSequence !== undefined) {
    return {
      kind: 'refuse',
      reason:
        'its rollout was already sent to the cluster; deploy again or roll back instead',
    };
  }
  return { kind: 'cancel', cancelBuild: isBuild(entry.trigger) };
}
