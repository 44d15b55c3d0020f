import type {
  Deployment,
  DeploymentEvent,
  DeploymentStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';

export type StepKey = 'queued' | 'building' | 'deploying' | 'outcome';

export type StepState = 'done' | 'active' | 'pending' | 'failed' | 'skipped';

export interface DeploymentStep {
  key: StepKey;
  label: string;
  state: StepState;
  startedAt?: string;
  durationMs?: number;
}

const OUTCOME_LABELS: Partial<Record<DeploymentStatus, string>> = {
  live: 'Live',
  failed: 'Failed',
  cancelled: 'Cancelled',
  superseded: 'Superseded',
};

const STEP_OF_STATUS: Record<DeploymentStatus, StepKey> = {
  queued: 'queued',
  building: 'building',
  built: 'building',
  deploying: 'deploying',
  live: 'outcome',
  failed: 'outcome',
  cancelled: 'outcome',
  superseded: 'outcome',
};

const ORDER: StepKey[] = ['queued', 'building', 'deploying', 'outcome'];

/**
 * The progress of a deployment as steps (queued → building → deploying →
 * outcome) with the time spent in each, from its recorded status events.
 * Events may arrive in any order; a status seen more than once counts from
 * its first occurrence.
 */
export function deploymentSteps(
  deployment: Pick<
    Deployment,
    'status' | 'createdAt' | 'finishedAt' | 'trigger'
  >,
  events: Pick<DeploymentEvent, 'status' | 'occurredAt'>[],
  now: number,
): DeploymentStep[] {
  const startOf = new Map<StepKey, number>();
  startOf.set('queued', Date.parse(deployment.createdAt));
  const sorted = [...events].sort(
    (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt),
  );
  for (const event of sorted) {
    const step = STEP_OF_STATUS[event.status];
    if (step && !startOf.has(step)) {
      startOf.set(step, Date.parse(event.occurredAt));
    }
  }
  const currentStep = STEP_OF_STATUS[deployment.status];
  if (currentStep === 'outcome' && !startOf.has('outcome')) {
    const end = deployment.finishedAt
      ? Date.parse(deployment.finishedAt)
      : undefined;
    if (end !== undefined) startOf.set('outcome', end);
  }
  const currentIndex = ORDER.indexOf(currentStep);
  const failed =
    deployment.status === 'failed' || deployment.status === 'cancelled';

  // The step a failed deployment stopped in is the last one it reached.
  let lastReached = 0;
  ORDER.slice(0, 3).forEach((key, index) => {
    if (startOf.has(key)) lastReached = index;
  });

  return ORDER.map((key, index): DeploymentStep => {
    const start = startOf.get(key);
    const nextStart = ORDER.slice(index + 1)
      .map(k => startOf.get(k))
      .find((t): t is number => t !== undefined);
    const label =
      key === 'outcome'
        ? OUTCOME_LABELS[deployment.status] ?? 'Live'
        : key.charAt(0).toUpperCase() + key.slice(1);

    let state: StepState;
    if (key === 'outcome') {
      if (currentStep !== 'outcome') state = 'pending';
      else state = failed ? 'failed' : 'done';
    } else if (index < currentIndex) {
      if (start === undefined) state = 'skipped';
      else if (failed && index === lastReached) state = 'failed';
      else state = 'done';
    } else if (index === currentIndex) {
      state = 'active';
    } else {
      state = 'pending';
    }

    let durationMs: number | undefined;
    if (key !== 'outcome' && start !== undefined) {
      if (state === 'active') durationMs = now - start;
      else if (nextStart !== undefined) durationMs = nextStart - start;
    }
    return {
      key,
      label,
      state,
      startedAt:
        start !== undefined ? new Date(start).toISOString() : undefined,
      durationMs,
    };
  });
}

/** Wall-clock time from request to outcome (or until now if running). */
export function totalDuration(
  deployment: Pick<Deployment, 'createdAt' | 'finishedAt'>,
  now: number,
): number {
  const end = deployment.finishedAt ? Date.parse(deployment.finishedAt) : now;
  return end - Date.parse(deployment.createdAt);
}
