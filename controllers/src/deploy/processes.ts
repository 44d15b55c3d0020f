// The processes an App runs (Procfile model): which are served, what their objects are called.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  ProcessReadiness,
  processKey,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { isReadyPod } from './rollout';
import type { AppProcess, AppSpec } from './types';

/** The App's processes; without a list, one web process running the image's command. */
export function processesOf(spec: Pick<AppSpec, 'processes'>): AppProcess[] {
  return spec.processes ?? [{ name: 'web', type: 'web' }];
}

/** The process that serves HTTP, if the app has one. */
export function webProcess(
  spec: Pick<AppSpec, 'processes'>,
): AppProcess | undefined {
  return processesOf(spec).find(p => p.type === 'web');
}

/** The process run as a Job before each rollout, if the app has one. */
export function releaseProcess(
  spec: Pick<AppSpec, 'processes'>,
): AppProcess | undefined {
  return processesOf(spec).find(p => p.type === 'release');
}

/** The processes that run as Deployments: web and workers. */
export function runningProcesses(
  spec: Pick<AppSpec, 'processes'>,
): AppProcess[] {
  return processesOf(spec).filter(p => p.type !== 'release');
}

/**
 * Two processes whose keys collide (`my_worker` and `my-worker`) would
 * share one Deployment: the message names them, or undefined.
 */
export function processKeyConflict(
  spec: Pick<AppSpec, 'processes'>,
): string | undefined {
  const seen = new Map<string, string>();
  for (const process of processesOf(spec)) {
    const key = processKey(process.name);
    const other = seen.get(key);
    if (other !== undefined) {
      return `Processes ${other} and ${process.name} would both be named ${key} in the cluster; rename one in the Procfile`;
    }
    seen.set(key, process.name);
  }
  return undefined;
}

/**
 * How many pods of a web or worker process are ready, of how many wanted.
 * Once its rollout is complete only this deployment's pods are left, so
 * the Deployment's `readyReplicas` counts (READY as `kubectl get
 * deployment` shows it; the API server leaves out a zero). Before that it
 * still counts the previous deployment's pods, which keep serving (the
 * rollout never takes one down first), so a redeploy whose new pods crash
 * would read all ready: then only the ready pods among `pods`, those
 * carrying this deployment's id, count.
 */
export function processReadiness(
  process: AppProcess,
  deployment: V1Deployment,
  rolloutComplete: boolean,
  pods: V1Pod[],
): ProcessReadiness {
  const ready = rolloutComplete
    ? deployment.status?.readyReplicas ?? 0
    : pods.filter(isReadyPod).length;
  return {
    process: process.name,
    ready,
    desired: deployment.spec?.replicas ?? 1,
  };
}
