import {
  createMessage,
  INFORM_QUEUE,
  StatusReportMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { reportMessageId } from '../runtime/reportIds';
import { wasReported } from './status';
import { BuildPhase, BuildResource, REPORTED_STATUS } from './types';

/*
 * The messages a build publishes. Their ids are keyed by the Build's report
 * key, never random per copy: a controller that crashed after publishing
 * and before recording it publishes the very same messages again, and
 * consumers drop the duplicates by messageId (see `runtime/reportIds.ts`).
 */

/** A message and the queue it goes to. */
export type Outgoing = { queue: string; message: StatusReportMessage };

function statusReport(
  build: BuildResource,
  phase: BuildPhase,
  occurredAt: string,
  extra: Partial<StatusReportMessage['payload']>,
): Outgoing {
  const status = REPORTED_STATUS[phase]!;
  return {
    queue: INFORM_QUEUE,
    message: createMessage('StatusReport', {
      deploymentId: build.spec.deploymentId,
      messageId: reportMessageId(
        build.status?.reportKey ?? '',
        'build',
        build.spec.deploymentId,
        status,
      ),
      occurredAt,
      payload: {
        app: build.spec.app,
        cluster: build.spec.cluster,
        status,
        source: 'build',
        ...extra,
      },
    }),
  };
}

/**
 * What to publish for the build's current phase, in order. A success is the
 * `built` report with image, digest and plan: the build role only reports
 * facts to INFORM, and the portal decides whether the image rolls out.
 * Nothing for `Pending`.
 */
export function reportsFor(build: BuildResource): Outgoing[] {
  const status = build.status ?? {};
  const outcome = outcomeReports(build);
  // A build that finished before its start was reported (a fast build, or a
  // controller that was down) still reports `building` first, with the time
  // it started.
  if (
    status.phase !== 'Building' &&
    outcome.length > 0 &&
    status.startedAt &&
    !wasReported(status, 'Building')
  ) {
    return [statusReport(build, 'Building', status.startedAt, {}), ...outcome];
  }
  return outcome;
}

function outcomeReports(build: BuildResource): Outgoing[] {
  const status = build.status ?? {};
  const at = (value?: string) =>
    value ?? new Date(build.metadata.creationTimestamp ?? 0).toISOString();
  switch (status.phase) {
    case 'Building':
      return [statusReport(build, 'Building', at(status.startedAt), {})];
    case 'Succeeded':
      return [
        statusReport(build, 'Succeeded', at(status.finishedAt), {
          image: status.image,
          imageDigest: status.imageDigest,
          ...(status.plan ? { plan: status.plan } : {}),
        }),
      ];
    case 'Failed':
      return [
        statusReport(build, 'Failed', at(status.finishedAt), {
          reason: status.reason ?? 'BuildFailed',
          ...(status.message ? { message: status.message } : {}),
        }),
      ];
    case 'Cancelled':
      return [
        statusReport(build, 'Cancelled', at(status.finishedAt), {
          reason: 'Cancelled',
          message: 'The build was cancelled',
        }),
      ];
    default:
      return [];
  }
}
