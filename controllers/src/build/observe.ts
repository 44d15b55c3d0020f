import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import {
  BuildPlanReport,
  buildPlanReportSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { overStorageLimit } from '../runtime/evictions';
import { CONTAINERS } from './types';

/*
 * Pure reading of a build Job and its pod: where the build stands, the
 * digest the push step wrote to its termination message, or why it failed.
 */

export type JobObservation =
  | { state: 'pending' }
  | { state: 'running'; startedAt: string }
  | {
      state: 'succeeded';
      startedAt?: string;
      finishedAt: string;
      /** Absent while the pod's final status is not visible yet. */
      imageDigest?: string;
      plan?: BuildPlanReport;
    }
  | {
      state: 'failed';
      startedAt?: string;
      finishedAt: string;
      reason: string;
      message: string;
      /** The failed step, when one did; its logs may complete the message. */
      step?: StepFailure;
    };

/** Most characters of a failure message (StatusReport allows 4096). */
export const MAX_MESSAGE = 3000;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

const FAILED_REASON: Record<string, string> = {
  [CONTAINERS.clone]: 'CloneFailed',
  [CONTAINERS.detect]: 'DetectFailed',
  [CONTAINERS.cacheRestore]: 'CacheRestoreFailed',
  [CONTAINERS.kaniko]: 'BuildFailed',
  [CONTAINERS.buildkit]: 'BuildFailed',
  [CONTAINERS.push]: 'PushFailed',
};

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return new Date(value).toISOString();
}

function condition(job: V1Job, type: string) {
  return job.status?.conditions?.find(
    c => c.type === type && c.status === 'True',
  );
}

/**
 * Text safe for a StatusReport message: terminal colour codes and other
 * control characters removed, and only the last `max` characters kept, since
 * the end of a build log says what went wrong.
 */
export function cleanLogText(text: string, max = MAX_MESSAGE): string {
  const cleaned = text
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .trimEnd();
  return cleaned.length > max ? `…${cleaned.slice(-(max - 1))}` : cleaned;
}

function statusesInOrder(pod: V1Pod): V1ContainerStatus[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
}

/** The pod that ran the build: the newest one (there is one: backoffLimit 0). */
export function buildPod(pods: V1Pod[]): V1Pod | undefined {
  return [...pods].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  )[0];
}

/**
 * The digest the Job's one regular container wrote to its termination
 * message, if any: the push step's, or Kaniko's in Jobs created before the
 * push was split from the build.
 */
export function digestOf(pod: V1Pod | undefined): string | undefined {
  const [main] = pod?.status?.containerStatuses ?? [];
  const terminated = main?.state?.terminated;
  if (!terminated || terminated.exitCode !== 0) return undefined;
  const message = terminated.message?.trim();
  return message && DIGEST.test(message) ? message : undefined;
}

/**
 * The build plan (stack, port, processes), if the detect step wrote one as
 * JSON to its termination message; anything else is ignored, and then the
 * rollout runs the image's own command as the one web process.
 */
export function planOf(pod: V1Pod | undefined): BuildPlanReport | undefined {
  const detect = pod?.status?.initContainerStatuses?.find(
    s => s.name === CONTAINERS.detect,
  );
  const message = detect?.state?.terminated?.message;
  if (!message) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    // Not a plan: the detect step wrote nothing or plain text.
    return undefined;
  }
  const plan = buildPlanReportSchema.safeParse(json);
  return plan.success ? plan.data : undefined;
}

/** Why a build step failed. */
export interface StepFailure {
  reason: string;
  /** One line: which step, how it ended. */
  summary: string;
  /** The step's last log lines, if the kubelet kept them. */
  lines: string;
  container?: string;
}

/** The report message of a step failure: summary, then the last log lines. */
export function formatFailure(failure: StepFailure): string {
  return cleanLogText(
    failure.lines ? `${failure.summary}:\n${failure.lines}` : failure.summary,
  );
}

/** What to do about a build that wrote more than the platform allows. */
function storageHint(message: string | undefined): string {
  return overStorageLimit(message)
    ? ' The build wrote more to disk than a build may: make it write less (a smaller base image, fewer layers, no caches in the image), or ask the platform team to raise build.resources.ephemeralStorageLimit or build.workspaceSize (KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT, KLI8NT_BUILD_WORKSPACE_SIZE).'
    : '';
}

/** Why the pod failed: the first step that exited non-zero, with its last log lines. */
export function failureOf(pod: V1Pod | undefined): StepFailure | undefined {
  if (!pod) return undefined;
  // The kubelet evicted the pod (e.g. a volume over its size limit): the
  // killed step's exit code would hide why.
  if (pod.status?.reason === 'Evicted') {
    const killed = statusesInOrder(pod).find(
      s => s.state?.terminated && s.state.terminated.exitCode !== 0,
    );
    return {
      reason: 'Evicted',
      ...(killed ? { container: killed.name } : {}),
      summary: cleanLogText(
        `Evicted: ${(
          pod.status.message ?? 'no message'
        ).trimEnd()}${storageHint(pod.status.message)}`,
      ),
      lines: cleanLogText(killed?.state?.terminated?.message ?? ''),
    };
  }
  for (const status of statusesInOrder(pod)) {
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      return {
        reason: FAILED_REASON[status.name] ?? 'BuildFailed',
        container: status.name,
        summary: `${status.name} exited with code ${terminated.exitCode}${
          terminated.reason ? ` (${terminated.reason})` : ''
        }`,
        lines: cleanLogText(terminated.message ?? ''),
      };
    }
  }
  for (const status of statusesInOrder(pod)) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      return {
        reason: waiting.reason,
        container: status.name,
        summary: cleanLogText(
          `${status.name}: ${waiting.reason}${
            waiting.message ? `: ${waiting.message}` : ''
          }`,
        ),
        lines: '',
      };
    }
  }
  if (pod.status?.reason) {
    return {
      reason: pod.status.reason,
      summary: cleanLogText(pod.status.message ?? pod.status.reason),
      lines: '',
    };
  }
  return undefined;
}

/** Where the build Job stands. */
export function observeJob(job: V1Job, pods: V1Pod[]): JobObservation {
  const startedAt = iso(job.status?.startTime);
  const complete = condition(job, 'Complete');
  const pod = buildPod(pods);
  if (complete) {
    return {
      state: 'succeeded',
      startedAt,
      finishedAt:
        iso(job.status?.completionTime) ??
        iso(complete.lastTransitionTime) ??
        startedAt ??
        new Date(0).toISOString(),
      imageDigest: digestOf(pod),
      plan: planOf(pod),
    };
  }
  const failed = condition(job, 'Failed');
  if (failed) {
    const finishedAt =
      iso(failed.lastTransitionTime) ?? startedAt ?? new Date(0).toISOString();
    const step = failureOf(pod);
    if (failed.reason === 'DeadlineExceeded') {
      return {
        state: 'failed',
        startedAt,
        finishedAt,
        reason: 'DeadlineExceeded',
        message: cleanLogText(
          `The build did not finish within its deadline${
            step ? `; ${formatFailure(step)}` : ''
          }`,
        ),
      };
    }
    return {
      state: 'failed',
      startedAt,
      finishedAt,
      reason: step?.reason ?? failed.reason ?? 'JobFailed',
      message: step
        ? formatFailure(step)
        : cleanLogText(failed.message ?? 'The build Job failed'),
      step,
    };
  }
  return startedAt ? { state: 'running', startedAt } : { state: 'pending' };
}
