import {
  createMessage,
  INFORM_QUEUE,
  StatusReportMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { createHash } from 'node:crypto';
import { wasReported } from './status';
import { BuildPhase, BuildResource, REPORTED_STATUS } from './types';

/*
 * The messages a build publishes. Their ids are derived from the deployment
 * and what is reported, never random: a controller that crashed after
 * publishing and before recording it publishes the very same messages again,
 * and consumers drop the duplicates by messageId.
 */

// Namespace of the name-based (v5) UUIDs below; fixed forever.
const NAMESPACE = Buffer.from('5b0c6f8e2a7d4c1e9f3b8a6d4e2c0b1a', 'hex');

/** A name-based UUID (RFC 9562 version 5) for `name`. */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1')
    .update(NAMESPACE)
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The messageId of a build's report of `status`. */
export function reportMessageId(deploymentId: string, status: string): string {
  return deterministicUuid(
    `kli8nt/build/${deploymentId.toLowerCase()}/StatusReport/${status}`,
  );
}

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
      messageId: reportMessageId(build.spec.deploymentId, status),
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
