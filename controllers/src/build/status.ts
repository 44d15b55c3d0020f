import type { RecordedEvent } from '../runtime';
import type { JobObservation } from './observe';
import {
  BuildCondition,
  BuildPhase,
  BuildResource,
  BuildStatus,
  CONDITIONS,
} from './types';

/*
 * Pure status bookkeeping of a Build: the status for what was observed, its
 * conditions, and whether the current phase has been reported.
 */

/** Sets a condition, keeping its transition time while its status holds. */
export function withCondition(
  conditions: BuildCondition[] | undefined,
  next: Omit<BuildCondition, 'lastTransitionTime'>,
  now: Date,
): BuildCondition[] {
  const current = conditions ?? [];
  const previous = current.find(c => c.type === next.type);
  const condition: BuildCondition = {
    ...next,
    lastTransitionTime:
      previous && previous.status === next.status
        ? previous.lastTransitionTime
        : now.toISOString(),
  };
  return [...current.filter(c => c.type !== next.type), condition].sort(
    (a, b) => a.type.localeCompare(b.type),
  );
}

export function conditionOf(
  status: BuildStatus | undefined,
  type: string,
): BuildCondition | undefined {
  return status?.conditions?.find(c => c.type === type);
}

/** True once the build's current phase has been published. */
export function isReported(status: BuildStatus | undefined): boolean {
  const reported = conditionOf(status, CONDITIONS.reported);
  return (
    reported?.status === 'True' &&
    status?.phase !== undefined &&
    reported.reason === status.phase
  );
}

/** True if `phase` (or a later one) was already reported. */
export function wasReported(
  status: BuildStatus | undefined,
  phase: BuildPhase,
): boolean {
  const reported = conditionOf(status, CONDITIONS.reported);
  return reported?.status === 'True' && reported.reason === phase;
}

/** The status after the build's current phase was published. */
export function markReported(
  build: BuildResource,
  status: BuildStatus,
  now: Date,
): BuildStatus {
  return {
    ...status,
    conditions: withCondition(
      status.conditions,
      {
        type: CONDITIONS.reported,
        status: 'True',
        reason: status.phase ?? 'Pending',
        message: `Reported ${status.phase}`,
        observedGeneration: build.metadata.generation,
      },
      now,
    ),
  };
}

function succeededCondition(
  build: BuildResource,
  status: BuildCondition['status'],
  reason: string,
  message: string,
) {
  return {
    type: CONDITIONS.succeeded,
    status,
    reason,
    message,
    observedGeneration: build.metadata.generation,
  };
}

/** The status of a build that reached `phase` for `reason`, without a Job outcome. */
export function terminalStatus(
  build: BuildResource,
  phase: 'Failed' | 'Cancelled',
  reason: string,
  message: string,
  now: Date,
): BuildStatus {
  const previous = build.status ?? {};
  return {
    ...previous,
    phase,
    observedGeneration: build.metadata.generation,
    finishedAt: previous.finishedAt ?? now.toISOString(),
    reason,
    message,
    conditions: withCondition(
      previous.conditions,
      succeededCondition(build, 'False', reason, message),
      now,
    ),
  };
}

/**
 * The status for what the Job shows. A succeeded Job must come with its
 * digest; the caller decides what to do while it does not (see
 * `observeJob`).
 */
export function statusFromObservation(
  build: BuildResource,
  jobName: string,
  observation: JobObservation,
  imageRepository: string,
  now: Date,
): BuildStatus {
  const previous = build.status ?? {};
  const base: BuildStatus = {
    ...previous,
    observedGeneration: build.metadata.generation,
    jobName,
  };
  switch (observation.state) {
    case 'pending':
      return {
        ...base,
        phase: 'Pending',
        conditions: withCondition(
          previous.conditions,
          succeededCondition(
            build,
            'Unknown',
            'Pending',
            'Waiting for the build pod',
          ),
          now,
        ),
      };
    case 'running':
      return {
        ...base,
        phase: 'Building',
        startedAt: observation.startedAt,
        conditions: withCondition(
          previous.conditions,
          succeededCondition(
            build,
            'Unknown',
            'Building',
            'The build is running',
          ),
          now,
        ),
      };
    case 'succeeded': {
      const digest = observation.imageDigest!;
      return {
        ...base,
        phase: 'Succeeded',
        ...(observation.startedAt ? { startedAt: observation.startedAt } : {}),
        finishedAt: observation.finishedAt,
        imageDigest: digest,
        image: `${imageRepository}@${digest}`,
        ...(observation.plan ? { plan: observation.plan } : {}),
        reason: undefined,
        message: undefined,
        conditions: withCondition(
          previous.conditions,
          succeededCondition(build, 'True', 'Built', `Pushed ${digest}`),
          now,
        ),
      };
    }
    case 'failed':
    default:
      return {
        ...base,
        phase: 'Failed',
        ...(observation.startedAt ? { startedAt: observation.startedAt } : {}),
        finishedAt: observation.finishedAt,
        reason: observation.reason,
        message: observation.message,
        conditions: withCondition(
          previous.conditions,
          succeededCondition(
            build,
            'False',
            observation.reason,
            observation.message,
          ),
          now,
        ),
      };
  }
}

/** The Event reason of each phase a Build enters. */
const PHASE_REASON: Record<BuildPhase, string> = {
  Pending: 'Started',
  Building: 'Building',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
};

/**
 * The Event for a change of phase (a failure is a Warning whose message
 * starts with the failure's reason, e.g. `CloneFailed: …`); none while the
 * phase holds, so passes that change nothing else record nothing.
 */
export function transitionEvent(
  previous: BuildStatus | undefined,
  next: BuildStatus,
): RecordedEvent | undefined {
  if (!next.phase || previous?.phase === next.phase) return undefined;
  const succeeded = conditionOf(next, CONDITIONS.succeeded);
  const message = succeeded?.message ?? next.message ?? next.phase;
  const detail =
    next.phase === 'Failed' && succeeded?.reason
      ? `${succeeded.reason}: ${message}`
      : message;
  return {
    type: next.phase === 'Failed' ? 'Warning' : 'Normal',
    reason: PHASE_REASON[next.phase],
    message:
      next.phase === 'Pending' && next.jobName
        ? `Created Job ${next.jobName}; waiting for the build pod`
        : detail,
  };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Drops undefined fields (a status applied must not carry them). */
export function compactStatus(status: BuildStatus): BuildStatus {
  return canonical(status) as BuildStatus;
}

/** Deep equality regardless of key order and undefined fields. */
export function sameStatus(
  a: BuildStatus | undefined,
  b: BuildStatus,
): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b));
}
