import {
  createMessage,
  deployQueueName,
  INFORM_QUEUE,
  ImageBuiltMessage,
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

/** The messageId of a build's report of `type` (and `status`). */
export function reportMessageId(
  deploymentId: string,
  type: 'ImageBuilt' | 'StatusReport',
  status = '',
): string {
  return deterministicUuid(
    `kli8nt/build/${deploymentId.toLowerCase()}/${type}/${status}`,
  );
}

/** A message and the queue it goes to. */
export type Outgoing =
  | { queue: string; message: ImageBuiltMessage }
  | { queue: string; message: StatusReportMessage };

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
        build.spec.deploymentId,
        'StatusReport',
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
 * What to publish for the build's current phase, in order: for a success the
 * ImageBuilt on the target cluster's deploy queue, then the `built` report.
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
  const { spec } = build;
  const status = build.status ?? {};
  const at = (value?: string) =>
    value ?? new Date(build.metadata.creationTimestamp ?? 0).toISOString();
  switch (status.phase) {
    case 'Building':
      return [statusReport(build, 'Building', at(status.startedAt), {})];
    case 'Succeeded': {
      const occurredAt = at(status.finishedAt);
      const imageBuilt: Outgoing = {
        queue: deployQueueName(spec.cluster),
        message: createMessage('ImageBuilt', {
          deploymentId: spec.deploymentId,
          messageId: reportMessageId(spec.deploymentId, 'ImageBuilt'),
          occurredAt,
          payload: {
            app: spec.app,
            entityRef: spec.entityRef,
            cluster: spec.cluster,
            image: status.image!,
            imageDigest: status.imageDigest!,
            revision: spec.revision,
            ...(status.plan ? { plan: status.plan } : {}),
            config: spec.config,
          },
        }),
      };
      return [
        imageBuilt,
        statusReport(build, 'Succeeded', occurredAt, {
          image: status.image,
          imageDigest: status.imageDigest,
        }),
      ];
    }
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
