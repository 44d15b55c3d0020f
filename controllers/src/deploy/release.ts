// The release process (migrations): a Job run to completion before a deployment rolls out.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { PodPlacement, processContainer, processPodSpec } from './builders';
import { objectMeta, processPodLabels } from './appMeta';
import { App, AppProcess } from './types';

/** Lines of the failed release's log quoted in the failure report. */
export const RELEASE_LOG_LINES = 20;

/**
 * The release Job of the App's current deployment: `<app>-release-<first 8
 * of the deployment id>`, within the 63 characters a Job name may have.
 */
export function releaseJobName(app: App): string {
  const suffix = `-release-${app.spec.deploymentId.slice(0, 8)}`;
  return `${app.metadata.name
    .slice(0, 63 - suffix.length)
    .replace(/-+$/, '')}${suffix}`;
}

/**
 * The Job running the release process once for the App's deployment: no
 * retries (a half-run migration is not run again blindly), the rollout's
 * deadline, the same pod security as the app's other pods.
 */
export function desiredReleaseJob(
  app: App,
  placement: PodPlacement,
  process: AppProcess,
): V1Job {
  const pod = processPodSpec(placement, processContainer(app, process));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: objectMeta(app, releaseJobName(app)),
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: placement.progressDeadlineSeconds,
      template: {
        metadata: { labels: processPodLabels(app, process) },
        spec: { ...pod, restartPolicy: 'Never' },
      },
    },
  };
}

/** Where a release Job stands. */
export type ReleaseState =
  | { phase: 'running'; message: string }
  | { phase: 'succeeded' }
  | { phase: 'failed'; reason: string; message: string };

/** Reads a release Job's conditions (and its pod's, for why it failed). */
export function releaseState(job: V1Job, pods: V1Pod[]): ReleaseState {
  const conditions = job.status?.conditions ?? [];
  const done = (type: string) =>
    conditions.find(c => c.type === type && c.status === 'True');
  if (done('Complete') || (job.status?.succeeded ?? 0) > 0) {
    return { phase: 'succeeded' };
  }
  const failed = done('Failed');
  if (failed || (job.status?.failed ?? 0) > 0) {
    const terminated = pods
      .flatMap(p => p.status?.containerStatuses ?? [])
      .map(s => s.state?.terminated)
      .find(t => t !== undefined);
    let why = `failed (${failed?.reason ?? 'Failed'})`;
    if (failed?.reason === 'DeadlineExceeded') {
      why = `did not finish within ${job.spec?.activeDeadlineSeconds} seconds`;
    } else if (terminated) {
      why = `exited with code ${terminated.exitCode}`;
    }
    return {
      phase: 'failed',
      reason: 'ReleaseFailed',
      message: `The release command ${why}; the previous version keeps serving`,
    };
  }
  const waiting = pods
    .flatMap(p => p.status?.containerStatuses ?? [])
    .map(s => s.state?.waiting)
    .find(w => w?.reason && w.reason !== 'ContainerCreating');
  return {
    phase: 'running',
    message: waiting
      ? `The release command is waiting: ${waiting.reason}${
          waiting.message ? ` (${waiting.message})` : ''
        }`
      : 'The release command is running',
  };
}
