import type {
  CoreV1Event,
  V1ContainerState,
  V1ContainerStatus,
  V1Node,
  V1Pod,
} from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/*
 * What a human debugging a wait on the cluster that timed out needs to
 * see without a rerun: why each pod is not ready, what happened last in
 * the namespace, and whether a node is under pressure (the kubelet evicts
 * pods when its disk runs low; "context deadline exceeded" says nothing).
 * The objects are plain JSON as `kubectl get -o json` prints them, typed
 * as client-node's models (whose timestamps are then strings, not Dates).
 */

/** Shown at most, so a namespace of a thousand pods stays readable. */
const MAX_PODS = 20;

type Time = Date | string | undefined;
const iso = (t: Time) => (t ? new Date(t).toISOString() : '?');

function stateOf(state: V1ContainerState | undefined): string {
  if (state?.running) return 'running';
  if (state?.waiting) {
    const { reason, message } = state.waiting;
    return `waiting (${[reason, message].filter(Boolean).join(': ') || '?'})`;
  }
  if (state?.terminated) {
    const { exitCode, reason, message } = state.terminated;
    const why = [reason, message].filter(Boolean).join(': ');
    return `terminated, exit ${exitCode}${why ? ` (${why})` : ''}`;
  }
  return 'no state yet';
}

function containerLine(status: V1ContainerStatus, init: boolean): string {
  const restarts = status.restartCount
    ? `, ${status.restartCount} restarts, last ${stateOf(status.lastState)}`
    : '';
  const ready = !init && status.state?.running && !status.ready;
  return `  ${init ? 'init ' : ''}container ${status.name}: ${stateOf(
    status.state,
  )}${ready ? ', not ready' : ''}${restarts}`;
}

/** A pod's phase and reason, its conditions (why not, where not True) and its containers' states. */
export function describePod(pod: V1Pod): string[] {
  const { status = {} } = pod;
  const why = [status.reason, status.message].filter(Boolean).join(': ');
  const node = pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : '';
  const conditions = (status.conditions ?? []).map(c => {
    const detail = [c.reason, c.message].filter(Boolean).join(': ');
    return `${c.type}=${c.status}${
      c.status !== 'True' && detail ? ` (${detail})` : ''
    }`;
  });
  return [
    `pod ${pod.metadata?.name}${node}: ${status.phase ?? 'no phase'}${
      why ? ` (${why})` : ''
    }${pod.metadata?.deletionTimestamp ? ', being deleted' : ''}`,
    ...(conditions.length ? [`  conditions: ${conditions.join(', ')}`] : []),
    ...(status.initContainerStatuses ?? []).map(s => containerLine(s, true)),
    ...(status.containerStatuses ?? []).map(s => containerLine(s, false)),
  ];
}

export function describePods(pods: V1Pod[]): string[] {
  if (pods.length === 0) return ['no pods'];
  const more = pods.length - MAX_PODS;
  return [
    ...pods.slice(0, MAX_PODS).flatMap(describePod),
    ...(more > 0 ? [`… and ${more} more pods`] : []),
  ];
}

const eventTime = (e: CoreV1Event): Time =>
  e.lastTimestamp ??
  e.eventTime ??
  e.firstTimestamp ??
  e.metadata?.creationTimestamp;

/** The `last` newest events, oldest first: time, type, reason, object, message, repeats. */
export function describeEvents(events: CoreV1Event[], last = 10): string[] {
  if (events.length === 0) return ['no events'];
  const at = (e: CoreV1Event) => new Date(eventTime(e) ?? 0).getTime();
  return [...events]
    .sort((a, b) => at(a) - at(b))
    .slice(-last)
    .map(e => {
      const count = e.series?.count ?? e.count ?? 1;
      const object = `${e.involvedObject.kind}/${e.involvedObject.name}`;
      return `${iso(eventTime(e))} ${e.type} ${e.reason} ${object}: ${(
        e.message ?? ''
      ).trim()}${count > 1 ? ` (x${count})` : ''}`;
    });
}

/** Nodes that are not Ready or report a pressure (DiskPressure, MemoryPressure, PIDPressure). */
export function describeNodes(nodes: V1Node[]): string[] {
  const troubled = nodes.flatMap(node => {
    const bad = (node.status?.conditions ?? []).filter(c =>
      c.type === 'Ready' ? c.status !== 'True' : c.status === 'True',
    );
    return bad.length === 0
      ? []
      : [
          `node ${node.metadata?.name}: ${bad
            .map(c => `${c.type}=${c.status} (${c.reason}: ${c.message})`)
            .join(', ')}`,
        ];
  });
  return troubled.length > 0
    ? troubled
    : [`all ${nodes.length} nodes Ready, none under pressure`];
}

/** The namespace's state as text (see the comment at the top). */
export function formatClusterState(state: {
  namespace: string;
  pods: V1Pod[] | string;
  events: CoreV1Event[] | string;
  nodes: V1Node[] | string;
  lastEvents?: number;
  workloads?: string;
}): string {
  // A string is what kubectl said instead of a list (the apiserver is down…).
  const or = <T>(list: T[] | string, describe: (items: T[]) => string[]) =>
    typeof list === 'string' ? [list] : describe(list);
  const last = state.lastEvents ?? 10;
  return [
    `--- namespace ${state.namespace}: pods`,
    ...or(state.pods, describePods),
    ...(state.workloads ? ['--- workloads', state.workloads] : []),
    `--- last ${last} events`,
    ...or(state.events, e => describeEvents(e, last)),
    '--- nodes',
    ...or(state.nodes, describeNodes),
  ].join('\n');
}

/**
 * The namespace's pods, workloads (and `kinds`, e.g. `builds`), last events
 * and troubled nodes, read with the test world's kubectl
 * (KLI8NT_TESTENV_BIN, else PATH) and KUBECONFIG. Synchronous, so a
 * synchronous caller (a spawnSync of helm) can use it too.
 */
export function clusterDiagnostics(
  namespace: string,
  options: { lastEvents?: number; kinds?: string[] } = {},
): string {
  const bin = process.env.KLI8NT_TESTENV_BIN;
  const kubectl = (args: string[]) => {
    const r = spawnSync(bin ? join(bin, 'kubectl') : 'kubectl', args, {
      encoding: 'utf8',
      timeout: 20_000,
      maxBuffer: 64 << 20,
    });
    return r.status === 0
      ? { out: r.stdout }
      : { error: (r.stderr || String(r.error ?? r.status)).trim() };
  };
  const list = <T>(args: string[]): T[] | string => {
    const r = kubectl(['get', ...args, '-o', 'json']);
    return r.error ?? (JSON.parse(r.out!) as { items: T[] }).items;
  };
  const workloads = kubectl([
    'get',
    '-n',
    namespace,
    ['deploy', 'statefulset', 'job', ...(options.kinds ?? [])].join(','),
    '-o',
    'wide',
  ]);
  return formatClusterState({
    namespace,
    pods: list<V1Pod>(['pods', '-n', namespace]),
    events: list<CoreV1Event>(['events', '-n', namespace]),
    nodes: list<V1Node>(['nodes']),
    lastEvents: options.lastEvents,
    workloads: (workloads.out ?? workloads.error)?.trim() || undefined,
  });
}

/** The error of a wait on the cluster that failed (`helm --wait`, `kubectl rollout status`), with the namespace's state. */
export function clusterWaitError(
  what: string,
  namespace: string,
  cause: unknown,
): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `${what} failed: ${reason.trim()}\n${clusterDiagnostics(namespace)}`,
    { cause },
  );
}
