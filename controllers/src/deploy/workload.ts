// What an App runs, process by process: the release Job first, then a Deployment per web/worker process.
import type {
  CoreV1Api,
  KubernetesObject,
  KubernetesObjectApi,
  V1Deployment,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import { LABELS, processKey } from '@kli8nt/backstage-plugin-kli8nt-common';
import { applyObject, isNotFound } from '../runtime';
import { CONTAINER_NAME, PodPlacement, desiredDeployment } from './builders';
import { processDeploymentName } from './appMeta';
import {
  processReadiness,
  releaseProcess,
  runningProcesses,
} from './processes';
import {
  RELEASE_LOG_LINES,
  desiredReleaseJob,
  releaseJobName,
  releaseState,
} from './release';
import { appliedAt, specAppliedAt } from './deadline';
import { RolloutState, rolloutState } from './rollout';
import type { Outcome, Overdue } from './status';
import { workerStarted, workerStarting } from './workerStart';
import { App, AppProcess } from './types';

/** The clients the workload needs; tests pass real ones. */
export interface WorkloadClients {
  objects: KubernetesObjectApi;
  core: CoreV1Api;
}

/** A process and the Deployment the API server returned for it. */
export interface ProcessDeployment {
  process: AppProcess;
  deployment: V1Deployment;
}

const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

function appSelector(app: App): string {
  return `${LABELS.app}=${app.metadata.name}`;
}

function owns(app: App, object: KubernetesObject): boolean {
  return (
    object.metadata?.ownerReferences?.some(o => o.uid === app.metadata.uid) ??
    false
  );
}

/**
 * Deletes the App's objects of a kind that are not in `keep`. Dependents
 * (a Job's pods) go too: Jobs are orphaning by default.
 */
export async function deleteOwnedExcept(
  objects: KubernetesObjectApi,
  app: App,
  apiVersion: string,
  kind: string,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const list = await objects.list(
    apiVersion,
    kind,
    app.metadata.namespace,
    undefined,
    undefined,
    undefined,
    undefined,
    appSelector(app),
  );
  const deleted: string[] = [];
  for (const item of list.items) {
    const name = item.metadata?.name;
    if (!name || keep.has(name) || !owns(app, item)) continue;
    try {
      await objects.delete(
        {
          apiVersion,
          kind,
          metadata: { name, namespace: app.metadata.namespace },
        },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
      deleted.push(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return deleted;
}

/** Removes every Deployment and release Job of the App (its tombstone). */
export async function deleteWorkload(
  objects: KubernetesObjectApi,
  app: App,
): Promise<void> {
  await deleteOwnedExcept(objects, app, 'apps/v1', 'Deployment', new Set());
  await deleteOwnedExcept(objects, app, 'batch/v1', 'Job', new Set());
}

/**
 * Whether the App's deployment already rolled out (a Deployment's pods
 * carry its id): then its release ran, and must not run again.
 */
function rolledOut(app: App, deployments: KubernetesObject[]): boolean {
  return deployments.some(
    d =>
      owns(app, d) &&
      (d as V1Deployment).spec?.template?.metadata?.labels?.[
        LABELS.deployment
      ] === app.spec.deploymentId,
  );
}

async function readJob(
  objects: KubernetesObjectApi,
  app: App,
): Promise<V1Job | undefined> {
  try {
    return (await objects.read({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: releaseJobName(app),
        namespace: app.metadata.namespace,
      },
    })) as V1Job;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The last lines the release printed, for the failure report. */
async function lastLines(core: CoreV1Api, pods: V1Pod[]): Promise<string> {
  const pod = pods[pods.length - 1];
  if (!pod?.metadata?.name) return '';
  try {
    const log = await core.readNamespacedPodLog({
      name: pod.metadata.name,
      namespace: pod.metadata.namespace!,
      container: CONTAINER_NAME,
      tailLines: RELEASE_LOG_LINES,
    });
    return String(log).trimEnd();
  } catch {
    // The pod or its log is gone: the exit code still says what happened.
    return '';
  }
}

/**
 * Runs the App's release process before its Deployments change: creates
 * the deployment's Job once (deleting earlier deployments' Jobs), waits
 * for it, and fails the deployment with its last log lines if it fails —
 * the Deployments stay as they were, so the previous version keeps
 * serving. Undefined when there is nothing (left) to wait for.
 */
export async function runRelease(
  clients: WorkloadClients,
  app: App,
  placement: PodPlacement,
): Promise<Outcome | undefined> {
  const release = releaseProcess(app.spec);
  if (!release) return undefined;
  const { objects, core } = clients;
  const deployments = await objects.list(
    'apps/v1',
    'Deployment',
    app.metadata.namespace,
    undefined,
    undefined,
    undefined,
    undefined,
    appSelector(app),
  );
  if (rolledOut(app, deployments.items)) return undefined;
  let job = await readJob(objects, app);
  if (!job) {
    job = await applyObject(
      objects,
      desiredReleaseJob(app, placement, release),
    );
    await deleteOwnedExcept(
      objects,
      app,
      'batch/v1',
      'Job',
      new Set([releaseJobName(app)]),
    );
  }
  const pods = (
    await core.listNamespacedPod({
      namespace: app.metadata.namespace,
      labelSelector: `${JOB_NAME_LABEL}=${releaseJobName(app)}`,
    })
  ).items;
  const state = releaseState(job, pods);
  if (state.phase === 'succeeded') return undefined;
  if (state.phase === 'running') {
    return {
      kind: 'progressing',
      reason: 'ReleaseRunning',
      message: `${state.message} (Job ${releaseJobName(app)})`,
    };
  }
  const lines = await lastLines(core, pods);
  return {
    kind: 'failed',
    reason: state.reason,
    message: lines ? `${state.message}. Last lines:\n${lines}` : state.message,
  };
}

/**
 * Applies a Deployment per web and worker process and deletes the ones of
 * processes the App no longer has.
 */
export async function applyProcesses(
  objects: KubernetesObjectApi,
  app: App,
  placement: PodPlacement,
): Promise<ProcessDeployment[]> {
  const applied: ProcessDeployment[] = [];
  for (const process of runningProcesses(app.spec)) {
    applied.push({
      process,
      deployment: await applyObject(
        objects,
        desiredDeployment(app, placement, process),
      ),
    });
  }
  await deleteOwnedExcept(
    objects,
    app,
    'apps/v1',
    'Deployment',
    new Set(applied.map(a => a.deployment.metadata!.name!)),
  );
  return applied;
}

/**
 * The first process whose rollout Kubernetes will not time out fails the
 * whole rollout at our deadline, counted from when its Deployment (or, if
 * later, the App) was last applied.
 */
function overdue(
  app: App,
  states: Array<{
    process: AppProcess;
    deployment: V1Deployment;
    state: RolloutState;
  }>,
  say: (process: AppProcess, message: string) => string,
): { overdue?: Overdue } {
  for (const { process, deployment, state } of states) {
    if (state.phase !== 'progressing' || !state.atDeadline) continue;
    const since = Math.max(specAppliedAt(app), appliedAt(deployment) ?? 0);
    return {
      overdue: {
        since,
        reason: state.atDeadline.reason,
        message: say(process, state.atDeadline.message),
      },
    };
  }
  return {};
}

/**
 * The rollout of every process, judged together: failed as soon as one
 * fails, complete when all are (a worker once its pods have started). With
 * several processes each message says whose it is. Carries each process's
 * ready count, from the same pods.
 */
export async function judgeProcesses(
  core: CoreV1Api,
  app: App,
  applied: ProcessDeployment[],
  nowMs: number,
): Promise<Outcome> {
  const states = [];
  const readiness = [];
  for (const { process, deployment } of applied) {
    const worker = process.type === 'worker';
    const healthCheckPath =
      process.type === 'web' ? app.spec.healthCheckPath : undefined;
    let state = rolloutState(deployment, [], healthCheckPath);
    let pods: V1Pod[] = [];
    // A worker is judged by its pods even once its Deployment is complete.
    if (state.phase !== 'complete' || worker) {
      pods = (
        await core.listNamespacedPod({
          namespace: app.metadata.namespace,
          labelSelector: `${appSelector(app)},${LABELS.deployment}=${
            app.spec.deploymentId
          },${LABELS.process}=${processKey(process.name)}`,
        })
      ).items;
      state = rolloutState(deployment, pods, healthCheckPath);
      if (worker && state.phase === 'complete') {
        state = workerStarting(deployment, pods, nowMs) ?? state;
      }
    }
    const complete = state.phase === 'complete';
    states.push({ process, deployment, state });
    // A worker pod counts as ready once it has started.
    const counted = worker ? pods.filter(p => workerStarted(p, nowMs)) : pods;
    readiness.push(processReadiness(process, deployment, complete, counted));
  }
  const say = (process: AppProcess, message: string) =>
    applied.length > 1
      ? `${processDeploymentName(app, process)}: ${message}`
      : message;
  const failed = states.find(s => s.state.phase === 'failed');
  if (failed && failed.state.phase === 'failed') {
    return {
      kind: 'failed',
      reason: failed.state.reason,
      message: say(failed.process, failed.state.message),
      readiness,
    };
  }
  const messages = states.map(s => say(s.process, s.state.message)).join('; ');
  const progressing = states.find(s => s.state.phase === 'progressing');
  if (progressing && progressing.state.phase === 'progressing') {
    return {
      kind: 'progressing',
      reason: progressing.state.reason,
      message: messages,
      ...overdue(app, states, say),
      readiness,
    };
  }
  return { kind: 'complete', message: messages, readiness };
}
