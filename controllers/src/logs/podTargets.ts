import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { LABELS } from '@kli8nt/backstage-plugin-kli8nt-common';
import type { LogLineSource } from '@kli8nt/backstage-plugin-kli8nt-node';
import { LogTimestamp, normalizeTimestamp } from './timestamps';

/** A pod whose logs are shipped, and the headers its lines carry. */
export interface LogPod {
  namespace: string;
  name: string;
  uid: string;
  app: string;
  deploymentId: string;
  source: LogLineSource;
  createdMs: number;
}

/** One container of a pod as the follower sees it. */
export interface ContainerTarget {
  name: string;
  init: boolean;
  state: 'waiting' | 'running' | 'terminated';
  /** The current instance (container ID; the restart count if the runtime gives none). */
  instance?: string;
  /** The previous instance, whose log the API serves with `previous=true`. */
  previousInstance?: string;
  startedAt?: LogTimestamp;
}

/** The pod's log identity, or undefined if it is not a kli8nt pod (or has no UID yet). */
export function logPodOf(pod: V1Pod): LogPod | undefined {
  const meta = pod.metadata;
  const app = meta?.labels?.[LABELS.app];
  if (!meta?.name || !meta.namespace || !meta.uid || !app) return undefined;
  const created = meta.creationTimestamp
    ? new Date(meta.creationTimestamp).getTime()
    : Number.NaN;
  return {
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    app,
    deploymentId: meta.labels?.[LABELS.deployment] ?? '',
    source: meta.labels?.[LABELS.role] === 'build' ? 'build' : 'runtime',
    createdMs: Number.isNaN(created) ? 0 : created,
  };
}

function toTarget(
  name: string,
  init: boolean,
  status: V1ContainerStatus | undefined,
): ContainerTarget {
  if (!status) return { name, init, state: 'waiting' };
  const started =
    status.state?.running?.startedAt ?? status.state?.terminated?.startedAt;
  let state: ContainerTarget['state'] = 'waiting';
  if (status.state?.running) state = 'running';
  else if (status.state?.terminated) state = 'terminated';
  const previous = status.lastState?.terminated;
  return {
    name,
    init,
    state,
    instance:
      state === 'waiting'
        ? undefined
        : status.containerID || `restart-${status.restartCount}`,
    previousInstance: previous
      ? previous.containerID || `restart-${status.restartCount - 1}`
      : undefined,
    startedAt: started
      ? normalizeTimestamp(new Date(started).toISOString())
      : undefined,
  };
}

/** Every container whose log is followed: init containers (build steps) and the rest. */
export function containerTargets(pod: V1Pod): ContainerTarget[] {
  const statuses = (list: V1ContainerStatus[] | undefined) =>
    new Map((list ?? []).map(s => [s.name, s]));
  const init = statuses(pod.status?.initContainerStatuses);
  const main = statuses(pod.status?.containerStatuses);
  return [
    ...(pod.spec?.initContainers ?? []).map(c =>
      toTarget(c.name, true, init.get(c.name)),
    ),
    ...(pod.spec?.containers ?? []).map(c =>
      toTarget(c.name, false, main.get(c.name)),
    ),
  ];
}

/** What a follower has done so far, for {@link nextFollowStep}. */
export interface FollowProgress {
  /** Instances whose whole log was read (bounded, most recent last). */
  completed: readonly string[];
}

export type FollowStep =
  | { kind: 'wait' }
  | {
      kind: 'read';
      instance: string;
      previous: boolean;
      follow: boolean;
      /** A clean end of this read means the instance's log is complete. */
      completes: boolean;
    };

/**
 * The follower's next step. A restarted container's previous instance is
 * read first if it was not read to its end (the kubelet serves only the
 * current and the previous instance), then the current instance is
 * followed; a terminated instance is read without following, and a clean
 * end of that read completes it.
 */
export function nextFollowStep(
  target: ContainerTarget,
  progress: FollowProgress,
): FollowStep {
  const done = new Set(progress.completed);
  const previous = target.previousInstance;
  if (previous && previous !== target.instance && !done.has(previous)) {
    return {
      kind: 'read',
      instance: previous,
      previous: true,
      follow: false,
      completes: true,
    };
  }
  if (!target.instance || target.state === 'waiting') return { kind: 'wait' };
  if (done.has(target.instance)) return { kind: 'wait' };
  const terminated = target.state === 'terminated';
  return {
    kind: 'read',
    instance: target.instance,
    previous: false,
    follow: !terminated,
    completes: terminated,
  };
}
