import type {
  V1ContainerStatus,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import { overStorageLimit } from '../runtime/evictions';

/**
 * Where a Deployment's rollout stands, with what a human needs to know. A
 * progressing rollout that Kubernetes' progress deadline will not end says
 * how it fails when our own deadline passes (`atDeadline`).
 */
export type RolloutState =
  | {
      phase: 'progressing';
      reason: string;
      message: string;
      atDeadline?: PodProblem;
    }
  | { phase: 'complete'; message: string }
  | { phase: 'failed'; reason: string; message: string };

/** Why pods of a rollout are not ready, most telling first. */
export interface PodProblem {
  reason: string;
  message: string;
}

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull']);
const CONFIG_REASONS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
  'ErrImageNeverPull',
]);

function priority(reason: string): number {
  if (reason === 'ImagePullBackOff') return 0;
  if (reason === 'CrashLoopBackOff') return 1;
  if (reason === 'Evicted') return 2;
  if (CONFIG_REASONS.has(reason)) return 3;
  if (reason === 'ContainerFailed') return 4;
  if (reason === 'Unschedulable') return 5;
  return 6;
}

/** Why the kubelet evicted the pod, and what to do when it was the app's doing. */
function evictionProblem(pod: string, message: string | undefined): PodProblem {
  const why = clip(message ?? 'no message', 768);
  return {
    reason: 'Evicted',
    message: overStorageLimit(message)
      ? `Pod ${pod} was evicted: ${why} The app wrote more to its container's disk (files outside volumes, logs) than an app may: write less, or ask the platform team to raise deploy.appResources.limits.ephemeral-storage (KLI8NT_DEPLOY_DEFAULT_LIMITS).`
      : `Pod ${pod} was evicted: ${why}`,
  };
}

function clip(text: string, max = 1024): string {
  const oneLine = text.trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function lastTermination(status: V1ContainerStatus): string {
  // The current state is the newer one when the container is down right now.
  const t = status.state?.terminated ?? status.lastState?.terminated;
  if (!t) return 'no termination recorded';
  const parts = [`exit code ${t.exitCode}`];
  if (t.reason) parts.push(`(${t.reason})`);
  const detail = t.message?.trim();
  return detail ? `${parts.join(' ')}: ${clip(detail, 768)}` : parts.join(' ');
}

/** A container that has died and been restarted, with its last termination. */
export function crashLoopProblem(
  pod: string,
  status: V1ContainerStatus,
): PodProblem {
  return {
    reason: 'CrashLoopBackOff',
    message: `Container ${
      status.name
    } of pod ${pod} keeps crashing (restarted ${
      status.restartCount
    } times); last termination: ${lastTermination(status)}`,
  };
}

function containerProblem(
  pod: string,
  status: V1ContainerStatus,
  healthCheckPath: string | undefined,
): PodProblem | undefined {
  const waiting = status.state?.waiting;
  const detail = waiting?.message ? `: ${clip(waiting.message, 768)}` : '';
  if (waiting?.reason && PULL_REASONS.has(waiting.reason)) {
    return {
      reason: 'ImagePullBackOff',
      message: `Image ${status.image} cannot be pulled${detail}`,
    };
  }
  // A real kubelet shows CrashLoopBackOff only while it waits to restart;
  // between restarts the same container reads terminated (exit code) or
  // running-not-ready. A container that has died before and is not ready
  // now is in the crash loop whatever this instant's state says.
  const crashedBefore =
    status.restartCount > 0 &&
    !status.ready &&
    (status.lastState?.terminated !== undefined ||
      status.state?.terminated !== undefined);
  if (
    waiting?.reason === 'CrashLoopBackOff' ||
    (crashedBefore && !(waiting?.reason && CONFIG_REASONS.has(waiting.reason)))
  ) {
    return crashLoopProblem(pod, status);
  }
  if (waiting?.reason && CONFIG_REASONS.has(waiting.reason)) {
    // App pods run as non-root (restricted Pod Security); the kubelet
    // refuses an image whose user is root or a name it cannot check.
    const hint = /runAsNonRoot/.test(waiting.message ?? '')
      ? '. Apps must run as a non-root user: set a numeric non-root USER in the Dockerfile (e.g. USER 10001:10001)'
      : '';
    return {
      reason: waiting.reason,
      message: `Container ${status.name} of pod ${pod} cannot start${detail}${hint}`,
    };
  }
  const terminated = status.state?.terminated;
  if (terminated && terminated.exitCode !== 0) {
    return {
      reason: 'ContainerFailed',
      message: `Container ${
        status.name
      } of pod ${pod} exited: ${lastTermination(status)}`,
    };
  }
  if (status.state?.running && !status.ready) {
    return {
      reason: 'NotReady',
      message: healthCheckPath
        ? `Container ${status.name} of pod ${pod} is running but GET ${healthCheckPath} does not succeed`
        : `Container ${status.name} of pod ${pod} is running but does not accept connections on its port`,
    };
  }
  return undefined;
}

/**
 * The most telling reason the given pods are not ready: an image that
 * cannot be pulled, a crash loop (with its last termination message), a
 * container that cannot start, a pod that cannot be scheduled, a failing
 * readiness probe. Pure; pods are looked at in name order.
 */
export function podProblem(
  pods: V1Pod[],
  healthCheckPath?: string,
): PodProblem | undefined {
  let best: PodProblem | undefined;
  const consider = (problem: PodProblem | undefined) => {
    if (
      problem &&
      (!best || priority(problem.reason) < priority(best.reason))
    ) {
      best = problem;
    }
  };
  const sorted = [...pods].sort((a, b) =>
    (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1,
  );
  for (const pod of sorted) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.reason === 'Evicted') {
      // Its killed container would read as a plain failure.
      consider(evictionProblem(name, pod.status.message));
      continue;
    }
    const scheduled = pod.status?.conditions?.find(
      c => c.type === 'PodScheduled',
    );
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      consider({
        reason: 'Unschedulable',
        message: `Pod ${name} cannot be scheduled: ${clip(
          scheduled.message ?? 'no node fits',
        )}`,
      });
      continue;
    }
    for (const status of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      consider(containerProblem(name, status, healthCheckPath));
    }
  }
  return best;
}

function condition(deployment: V1Deployment, type: string) {
  return deployment.status?.conditions?.find(c => c.type === type);
}

/** Ready as the ReplicaSet controller counts it: Ready and not terminating. */
export function isReadyPod(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions?.some(
      c => c.type === 'Ready' && c.status === 'True',
    ) ??
      false)
  );
}

/** The pods that are not Ready, each with what its conditions say. */
function notReadyPods(pods: V1Pod[]): string {
  const shown = 5;
  const notReady = pods.filter(
    p => !p.metadata?.deletionTimestamp && !isReadyPod(p),
  );
  if (notReady.length === 0) return 'no pod of the new ReplicaSet is left';
  const described = notReady.slice(0, shown).map(pod => {
    const ready = pod.status?.conditions?.find(c => c.type === 'Ready');
    const containersReady = pod.status?.conditions?.some(
      c => c.type === 'ContainersReady' && c.status === 'True',
    );
    const why = ready
      ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}`
      : 'no Ready condition';
    return `pod ${pod.metadata?.name} ${why}${
      containersReady ? ' though its containers are ready' : ''
    }`;
  });
  const more =
    notReady.length > shown ? ` and ${notReady.length - shown} more` : '';
  return `not ready: ${described.join(', ')}${more}`;
}

/**
 * Kubernetes stops timing a rollout once it has counted the new ReplicaSet
 * available (reason NewReplicaSetAvailable): pods that turn unready after
 * that moment (a node that lost its heartbeat, a worker that crashed after
 * a moment up) are never reported ProgressDeadlineExceeded.
 */
const NEW_REPLICA_SET_AVAILABLE = 'NewReplicaSetAvailable';

/**
 * How such a rollout fails at our deadline: with the pods' own reason if
 * they have one, else saying what it still waits for (`detail`).
 */
export function stalledFailure(
  deployment: V1Deployment,
  detail: string,
  problem: PodProblem | undefined,
): PodProblem {
  return (
    problem ?? {
      reason: 'ProgressDeadlineExceeded',
      message: `Still not ready ${deployment.spec?.progressDeadlineSeconds} s after the rollout was applied (Kubernetes counted its new ReplicaSet available once, so it will not time it out): ${detail}`,
    }
  );
}

/**
 * The rollout state of a Deployment, judged as `kubectl rollout status`
 * does: the controller must have observed the current generation, every
 * replica must be updated, old replicas gone and updated replicas available;
 * a Progressing condition with reason ProgressDeadlineExceeded is failure.
 * `pods` (those of the new template) explain what is in the way.
 */
export function rolloutState(
  deployment: V1Deployment,
  pods: V1Pod[],
  healthCheckPath?: string,
): RolloutState {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return {
      phase: 'progressing',
      reason: 'Progressing',
      message: 'Waiting for the Deployment controller to observe the update',
    };
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const progressing = condition(deployment, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const problem = podProblem(pods, healthCheckPath);
    if (problem) return { phase: 'failed', ...problem };
    const replicaFailure = condition(deployment, 'ReplicaFailure');
    if (replicaFailure?.status === 'True') {
      return {
        phase: 'failed',
        reason: replicaFailure.reason || 'ReplicaFailure',
        message: clip(replicaFailure.message ?? 'Pods cannot be created'),
      };
    }
    return {
      phase: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: clip(
        progressing.message ??
          `The rollout made no progress for ${deployment.spec?.progressDeadlineSeconds} seconds`,
      ),
    };
  }
  let waiting: string | undefined;
  if (updated < wanted) {
    waiting = `${updated} of ${wanted} new replicas have been updated`;
  } else if (total > updated) {
    waiting = `${total - updated} old replicas are pending termination`;
  } else if (available < updated) {
    waiting = `${available} of ${updated} updated replicas are available`;
  }
  if (waiting === undefined) {
    return {
      phase: 'complete',
      message: `${available} of ${wanted} replicas are available`,
    };
  }
  const problem = podProblem(pods, healthCheckPath);
  const atDeadline =
    progressing?.reason === NEW_REPLICA_SET_AVAILABLE
      ? {
          atDeadline: stalledFailure(
            deployment,
            `${waiting}; ${notReadyPods(pods)}`,
            problem,
          ),
        }
      : {};
  return problem
    ? {
        phase: 'progressing',
        reason: problem.reason,
        message: `${waiting}; ${problem.message}`,
        ...atDeadline,
      }
    : {
        phase: 'progressing',
        reason: 'Progressing',
        message: waiting,
        ...atDeadline,
      };
}
