import {
  ProcessReadiness,
  StatusReportMessage,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { reportMessageId } from '../runtime/reportIds';
import { appUrl } from './builders';
import {
  App,
  AppCondition,
  AppRelease,
  AppReport,
  AppStatus,
  CONDITION_READY,
  CONDITION_REPORTED,
  ReportedStatus,
} from './types';

/** The message id of `app`'s report of `status` for a deployment. */
function reportId(
  app: App,
  deploymentId: string,
  status: ReportedStatus,
): string {
  return reportMessageId(
    app.status?.reportKey ?? '',
    'deploy',
    deploymentId,
    status,
  );
}

const TERMINAL: ReadonlySet<ReportedStatus> = new Set(['live', 'failed']);

export function isTerminalReport(status: ReportedStatus): boolean {
  return TERMINAL.has(status);
}

/** One status report to publish. */
export interface PlannedReport {
  deploymentId: string;
  status: ReportedStatus;
  reason?: string;
  message?: string;
  url?: string;
  image?: string;
  readiness?: ProcessReadiness[];
}

/**
 * How a wait that nothing else will end fails: with this reason and
 * message once it has lasted the rollout deadline from `since` (ms).
 */
export interface Overdue {
  since: number;
  reason: string;
  message: string;
}

/** Where the App's current deployment stands after one reconcile pass. */
type OutcomeState =
  /** Nothing was rolled out: the deployment is refused. */
  | { kind: 'refused'; reason: string; message: string }
  /** Children applied (or waiting to be); the rollout is not done. */
  | { kind: 'progressing'; reason: string; message: string; overdue?: Overdue }
  | { kind: 'complete'; message: string }
  | { kind: 'failed'; reason: string; message: string };

/**
 * What one reconcile pass found, with the readiness of the processes when
 * their Deployments were applied.
 */
export type Outcome = OutcomeState & { readiness?: ProcessReadiness[] };

export interface StatusPlan {
  /** To publish in order, before `status` is written. */
  reports: PlannedReport[];
  status: AppStatus;
}

function clip(text: string, max = 4000): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A condition that keeps its transition time while its status holds. */
export function condition(
  previous: AppCondition[] | undefined,
  next: Omit<AppCondition, 'lastTransitionTime'>,
  now: string,
): AppCondition {
  const old = previous?.find(c => c.type === next.type);
  return {
    ...next,
    lastTransitionTime:
      old && old.status === next.status ? old.lastTransitionTime : now,
  };
}

const REPORT_REASON: Record<ReportedStatus, string> = {
  deploying: 'Deploying',
  live: 'Live',
  failed: 'Failed',
};

/**
 * Decides, from the App and what this pass observed, which reports to send
 * and the App's new status. Pure. Each deployment is reported `deploying`
 * once, then `live` or `failed` once. Only the App's current deployment is
 * reported on: what a newer spec replaced, the portal already decided
 * (superseded) when it sent the newer one. `status.report` (and the Reported
 * condition) record the last report, so a restarted controller neither
 * repeats nor skips one.
 */
export function planStatus(options: {
  app: App;
  outcome: Outcome;
  now: Date;
  releaseHistory: number;
}): StatusPlan {
  const { app, outcome, releaseHistory } = options;
  const now = options.now.toISOString();
  const { spec } = app;
  const id = spec.deploymentId;
  const previous = app.status ?? {};
  const reports: PlannedReport[] = [];
  const prev = previous.report;

  const reportedForThis = prev?.deploymentId === id ? prev.status : undefined;
  // Only the outcome carries counts worth keeping: `deploying` goes out
  // before the Deployment controller has counted anything.
  const readiness = outcome.readiness ? { readiness: outcome.readiness } : {};
  if (!reportedForThis || !isTerminalReport(reportedForThis)) {
    if (!reportedForThis && outcome.kind !== 'refused') {
      reports.push({
        deploymentId: id,
        status: 'deploying',
        image: spec.image,
      });
    }
    if (outcome.kind === 'complete') {
      reports.push({
        deploymentId: id,
        status: 'live',
        url: appUrl(spec),
        image: spec.image,
        message: outcome.message,
        ...readiness,
      });
    } else if (outcome.kind === 'failed' || outcome.kind === 'refused') {
      reports.push({
        deploymentId: id,
        status: 'failed',
        reason: outcome.reason,
        message: clip(outcome.message),
        image: spec.image,
        ...readiness,
      });
    }
  }

  const last = reports[reports.length - 1];
  const report: AppReport | undefined = last
    ? {
        deploymentId: last.deploymentId,
        status: last.status,
        ...(last.reason ? { reason: last.reason } : {}),
        messageId: reportId(app, last.deploymentId, last.status),
        time: now,
      }
    : prev;

  const live = outcome.kind === 'complete';
  let releases = previous.releases ?? [];
  if (live && !releases.some(r => r.deploymentId === id)) {
    const release: AppRelease = {
      deploymentId: id,
      image: spec.image,
      ...(spec.revision ? { revision: spec.revision } : {}),
      time: now,
    };
    releases = [release, ...releases].slice(0, releaseHistory);
  }

  const ready =
    outcome.kind === 'complete'
      ? {
          status: 'True' as const,
          reason: 'RolloutComplete',
          message: outcome.message,
        }
      : {
          status: 'False' as const,
          reason: outcome.reason,
          message: outcome.message,
        };
  const conditions: AppCondition[] = [
    condition(
      previous.conditions,
      {
        type: CONDITION_READY,
        ...ready,
        message: clip(ready.message),
        observedGeneration: app.metadata.generation,
      },
      now,
    ),
  ];
  if (report) {
    conditions.push(
      condition(
        previous.conditions,
        {
          type: CONDITION_REPORTED,
          status: 'True',
          reason: REPORT_REASON[report.status],
          message: `Reported ${report.status} for deployment ${
            report.deploymentId
          }${report.reason ? ` (${report.reason})` : ''}`,
          observedGeneration: app.metadata.generation,
        },
        now,
      ),
    );
  }

  const status: AppStatus = {
    ...(previous.reportKey ? { reportKey: previous.reportKey } : {}),
    observedGeneration: app.metadata.generation,
    ...(live
      ? { url: appUrl(spec), currentDeploymentId: id }
      : {
          ...(previous.url ? { url: previous.url } : {}),
          ...(previous.currentDeploymentId
            ? { currentDeploymentId: previous.currentDeploymentId }
            : {}),
        }),
    ...hostsServed(outcome, spec.hosts, previous.hosts),
    ...(report ? { report } : {}),
    ...(releases.length > 0 ? { releases } : {}),
    conditions,
  };
  return { reports, status };
}

/** A refused spec changed nothing: the hosts served before still are. */
function hostsServed(
  outcome: Outcome,
  wanted: string[],
  before: string[] | undefined,
): { hosts?: string[] } {
  if (outcome.kind !== 'refused') return { hosts: [...wanted] };
  return before ? { hosts: before } : {};
}

/**
 * The StatusReport message for a planned report, with the id keyed by the
 * App's report key unless `messageId` is given.
 */
export function reportMessage(
  app: App,
  cluster: string,
  report: PlannedReport,
  now: Date,
  messageId: string = reportId(app, report.deploymentId, report.status),
): StatusReportMessage {
  const image = report.image;
  const digest = image?.slice(image.indexOf('@') + 1);
  return createMessage('StatusReport', {
    deploymentId: report.deploymentId,
    messageId,
    occurredAt: now,
    payload: {
      app: app.metadata.name,
      cluster,
      status: report.status,
      ...(report.reason ? { reason: report.reason } : {}),
      ...(report.message ? { message: report.message } : {}),
      ...(report.url ? { url: report.url } : {}),
      ...(image ? { image, imageDigest: digest } : {}),
      ...(report.readiness ? { readiness: report.readiness } : {}),
      source: 'deploy',
    },
  });
}

/** Whether two statuses are the same for writing purposes. */
export function sameStatus(a: AppStatus | undefined, b: AppStatus): boolean {
  return JSON.stringify(normalise(a ?? {})) === JSON.stringify(normalise(b));
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}
