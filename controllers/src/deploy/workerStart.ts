// Whether a worker process has started, judged by its pods: it has no readiness probe to say so.
import type {
  V1ContainerStatus,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import {
  PodProblem,
  RolloutState,
  crashLoopProblem,
  isReadyPod,
  podProblem,
  stalledFailure,
} from './rollout';
import { timestampOf } from './types';

/**
 * How long each container of a worker's pod must have run since its last
 * (re)start before the worker counts as started. Without a readiness probe
 * the pod is Ready the moment its container starts, so a worker that
 * crashes at start looks available for a moment, and a rollout judged then
 * went live. Ten seconds outlasts the usual crash at start (bad config, a
 * missing module) and keeps a worker's rollout short. Measured from the
 * container's start time, not from Ready as the Deployment's
 * minReadySeconds would (tried in 52f764f, reverted in 24fcdb6): kwok
 * nodes' pods lose Ready with a node heartbeat, which restarted that clock.
 */
export const WORKER_STARTED_SECONDS = 10;

/** How long the container has run since its last start; -Infinity if it is not running. */
function ranForMs(status: V1ContainerStatus, nowMs: number): number {
  const started = timestampOf(status.state?.running?.startedAt);
  return Number.isNaN(started) ? -Infinity : nowMs - started;
}

/** Whether the worker pod is Ready and each of its containers has run long enough. */
export function workerStarted(pod: V1Pod, nowMs: number): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return (
    isReadyPod(pod) &&
    statuses.length > 0 &&
    statuses.every(s => ranForMs(s, nowMs) >= WORKER_STARTED_SECONDS * 1000)
  );
}

/** Why a worker pod has not started yet: a crash since it was created, else how long it has run. */
function notStarted(pod: V1Pod, nowMs: number): PodProblem | undefined {
  const name = pod.metadata?.name ?? '';
  for (const status of pod.status?.containerStatuses ?? []) {
    const ran = ranForMs(status, nowMs);
    if (ran >= WORKER_STARTED_SECONDS * 1000) continue;
    // Up again, but it has died once already: it is the crash at start.
    if (status.restartCount > 0) return crashLoopProblem(name, status);
    if (status.state?.running) {
      return {
        reason: 'WorkerStarting',
        message: `Container ${
          status.name
        } of worker pod ${name} has run ${Math.max(
          0,
          Math.floor(ran / 1000),
        )} s; a worker counts as started after ${WORKER_STARTED_SECONDS} s`,
      };
    }
  }
  return undefined;
}

/**
 * A worker whose Deployment counts its pods available is still starting
 * until as many of them (this deployment's, in `pods`) as it wants have
 * started; then undefined. Kubernetes already counted this rollout done,
 * so it carries the failure for our deadline.
 */
export function workerStarting(
  deployment: V1Deployment,
  pods: V1Pod[],
  nowMs: number,
): RolloutState | undefined {
  const wanted = deployment.spec?.replicas ?? 1;
  const current = pods
    .filter(p => !p.metadata?.deletionTimestamp)
    .sort((a, b) =>
      (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1,
    );
  const started = current.filter(p => workerStarted(p, nowMs)).length;
  if (started >= wanted) return undefined;
  const waiting = `${started} of ${wanted} worker replicas have run ${WORKER_STARTED_SECONDS} s`;
  const problem =
    podProblem(current) ??
    current.map(p => notStarted(p, nowMs)).find(p => p !== undefined);
  const message = problem ? `${waiting}; ${problem.message}` : waiting;
  return {
    phase: 'progressing',
    reason: problem?.reason ?? 'WorkerStarting',
    message,
    atDeadline: stalledFailure(
      deployment,
      message,
      problem?.reason === 'WorkerStarting' ? undefined : problem,
    ),
  };
}
