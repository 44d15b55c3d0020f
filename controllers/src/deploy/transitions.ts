import type { RecordedEvent } from '../runtime';
import type { PlannedReport } from './status';
import { App, CONDITION_READY, sequenceOf } from './types';

/*
 * The Kubernetes Events of an App's transitions (what `kubectl describe app`
 * shows). Pure: they follow from the reports a pass plans, which go out once
 * per deployment and state (`planStatus`), so a pass that changes nothing,
 * such as one for a redelivered message, records nothing.
 */

function reportEvent(report: PlannedReport): RecordedEvent {
  const id = report.deploymentId;
  switch (report.status) {
    case 'deploying':
      return {
        type: 'Normal',
        reason: 'RolloutStarted',
        message: `Rolling out deployment ${id}${
          report.image ? ` (${report.image})` : ''
        }`,
      };
    case 'live':
      return {
        type: 'Normal',
        reason: 'Live',
        message: `Deployment ${id} is live at ${report.url}${
          report.message ? `: ${report.message}` : ''
        }`,
      };
    case 'failed':
    default:
      return {
        type: 'Warning',
        reason: 'RolloutFailed',
        message: `Deployment ${id} failed (${report.reason ?? 'Failed'}): ${
          report.message ?? 'no reason given'
        }`,
      };
  }
}

/**
 * The Events of the reports a pass plans for `app` (as read, before its new
 * status): RolloutStarted, Live or RolloutFailed for its deployment, after
 * Superseded when its spec replaced a deployment still rolling out.
 */
export function rolloutEvents(
  app: App,
  reports: PlannedReport[],
): RecordedEvent[] {
  const previous = app.status?.report;
  const superseded =
    reports.length > 0 &&
    previous?.status === 'deploying' &&
    previous.deploymentId !== app.spec.deploymentId;
  return [
    ...(superseded
      ? [
          {
            type: 'Normal' as const,
            reason: 'Superseded',
            message: `Deployment ${previous.deploymentId} was replaced by ${app.spec.deploymentId} before its rollout finished`,
          },
        ]
      : []),
    ...reports.map(reportEvent),
  ];
}

/** The Event of a tombstone's teardown, unless an earlier pass recorded it. */
export function deletedEvents(app: App): RecordedEvent[] {
  const ready = app.status?.conditions?.find(c => c.type === CONDITION_READY);
  if (ready?.reason === 'Deleted') return [];
  return [
    {
      type: 'Normal',
      reason: 'Deleted',
      message: `The app was deleted (sequence ${sequenceOf(
        app,
      )}); its workloads, Service, routes and env Secret were removed`,
    },
  ];
}
