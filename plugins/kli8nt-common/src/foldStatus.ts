import type { ProcessReadiness, StatusReportMessage } from './messages';
import { DeploymentStatus, deploymentStatusRank } from './status';

/**
 * The current state of a deployment as folded from its status reports.
 *
 * @public
 */
export interface FoldedStatus {
  /** Status of the winning report. */
  status: DeploymentStatus;
  /** Machine reason of the winning report. */
  reason?: string;
  /** Human message of the winning report. */
  message?: string;
  /** Latest known URL, from any report. */
  url?: string;
  /** Latest known image, from any report. */
  image?: string;
  /** Latest known image digest, from any report. */
  imageDigest?: string;
  /** Latest known readiness of the web and worker processes, from any report. */
  readiness?: ProcessReadiness[];
  /** `occurredAt` of the winning report. */
  updatedAt: string;
  /** `messageId` of the winning report. */
  messageId: string;
}

/**
 * The fields of a status report that {@link foldStatus} reads. A
 * {@link StatusReportMessage} is one.
 *
 * @public
 */
export type FoldableStatusReport = Pick<
  StatusReportMessage,
  'messageId' | 'occurredAt'
> & {
  payload: Pick<
    StatusReportMessage['payload'],
    'status' | 'reason' | 'message' | 'url' | 'image' | 'imageDigest'
  > & { readiness?: ProcessReadiness[] };
};

function timeOf(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? -Infinity : t;
}

function compareStrings(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  if (x < y) return -1;
  return x > y ? 1 : 0;
}

/**
 * Total order on reports: the greatest report is the current state.
 * Compares, in turn: status rank, occurredAt (as an instant), messageId, and
 * finally the reported fields themselves, so that even two different reports
 * that share a messageId order deterministically.
 */
function compareReports(
  a: FoldableStatusReport,
  b: FoldableStatusReport,
): number {
  return (
    deploymentStatusRank(a.payload.status) -
      deploymentStatusRank(b.payload.status) ||
    Math.sign(timeOf(a.occurredAt) - timeOf(b.occurredAt)) ||
    compareStrings(a.messageId, b.messageId) ||
    compareStrings(a.occurredAt, b.occurredAt) ||
    compareStrings(a.payload.reason, b.payload.reason) ||
    compareStrings(a.payload.message, b.payload.message) ||
    compareStrings(a.payload.url, b.payload.url) ||
    compareStrings(a.payload.image, b.payload.image) ||
    compareStrings(a.payload.imageDigest, b.payload.imageDigest) ||
    compareStrings(
      JSON.stringify(a.payload.readiness),
      JSON.stringify(b.payload.readiness),
    )
  );
}

/**
 * Compares two status reports in the order used by {@link foldStatus}:
 * negative if `a` comes before `b`, positive if after, 0 if they are equal in
 * every field the fold reads.
 *
 * @public
 */
export function compareStatusReports(
  a: FoldableStatusReport,
  b: FoldableStatusReport,
): number {
  return compareReports(a, b);
}

/**
 * Folds the status reports of ONE deployment into its current state.
 *
 * The result is a function of the set of reports: duplicates and arrival
 * order do not matter. The rule:
 *
 * 1. The winning report is the greatest under this total order: first by
 *    status rank (`queued`, `building`, `built`, `deploying`, `live`,
 *    `failed`, `cancelled`, `superseded`, lowest first; see
 *    `deploymentStatusRank`), then by occurredAt,
 *    then by messageId, then by the reported fields. So a status never goes
 *    back (a late `building` cannot undo `live`), and among reports of the
 *    same status the latest one supplies reason and message.
 * 2. `status`, `reason`, `message` and `updatedAt` come from the winner only:
 *    a failure reason does not linger once a higher status is reported.
 * 3. `url`, `image`, `imageDigest` and `readiness` each come from the
 *    greatest report that carries the field, so `live` keeps the image
 *    reported with `built`.
 *
 * Taking a maximum under a total order is commutative, associative and
 * idempotent, which is what makes the fold order- and duplicate-independent.
 * Returns `undefined` for no reports.
 *
 * @public
 */
export function foldStatus(
  reports: Iterable<FoldableStatusReport>,
): FoldedStatus | undefined {
  let winner: FoldableStatusReport | undefined;
  let url: FoldableStatusReport | undefined;
  let image: FoldableStatusReport | undefined;
  let imageDigest: FoldableStatusReport | undefined;
  let readiness: FoldableStatusReport | undefined;
  for (const report of reports) {
    if (!winner || compareReports(report, winner) > 0) winner = report;
    if (
      report.payload.url !== undefined &&
      (!url || compareReports(report, url) > 0)
    ) {
      url = report;
    }
    if (
      report.payload.image !== undefined &&
      (!image || compareReports(report, image) > 0)
    ) {
      image = report;
    }
    if (
      report.payload.imageDigest !== undefined &&
      (!imageDigest || compareReports(report, imageDigest) > 0)
    ) {
      imageDigest = report;
    }
    if (
      report.payload.readiness !== undefined &&
      (!readiness || compareReports(report, readiness) > 0)
    ) {
      readiness = report;
    }
  }
  if (!winner) return undefined;
  const folded: FoldedStatus = {
    status: winner.payload.status,
    updatedAt: winner.occurredAt,
    messageId: winner.messageId,
  };
  if (winner.payload.reason !== undefined) {
    folded.reason = winner.payload.reason;
  }
  if (winner.payload.message !== undefined) {
    folded.message = winner.payload.message;
  }
  if (url) folded.url = url.payload.url;
  if (image) folded.image = image.payload.image;
  if (imageDigest) folded.imageDigest = imageDigest.payload.imageDigest;
  if (readiness) folded.readiness = readiness.payload.readiness;
  return folded;
}
