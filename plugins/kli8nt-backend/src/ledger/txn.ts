import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Kli8ntMessage,
  StatusReportMessage,
  buildQueueName,
  createMessage,
  foldStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  DeploymentRecord,
  DeploymentState,
  Kli8ntStore,
  LedgerTx,
  OutboxMessage,
} from '../database/types';
import { DeploymentNotifier } from '../inform/DeploymentNotifier';
import { LedgerEntry, decideLive } from './decide';

/*
 * The ledger's transaction (run, then announce) and its steps inside one:
 * append an event and refold, record a decision, stop a build.
 */

/** One ledger transaction and what to announce once it committed. */
export interface Txn {
  tx: LedgerTx;
  now: Date;
  changes: Array<{ deployment: DeploymentRecord; previous: DeploymentState }>;
}

/**
 * Runs `fn` in the app's transaction (`Kli8ntStore.inApp`); after the
 * commit, wakes the outbox relay and announces each deployment it changed.
 */
export async function runInApp<T>(
  deps: {
    store: Pick<Kli8ntStore, 'inApp'>;
    notifier: DeploymentNotifier;
    logger: LoggerService;
    kickRelay(): void;
    now?: () => Date;
  },
  appName: string,
  fn: (txn: Txn) => Promise<T>,
): Promise<T> {
  let txn: Txn | undefined;
  const result = await deps.store.inApp(appName, tx => {
    txn = { tx, now: deps.now?.() ?? new Date(), changes: [] };
    return fn(txn);
  });
  deps.kickRelay();
  for (const { deployment, previous } of txn?.changes ?? []) {
    deps.logger.info(
      `Deployment ${deployment.id} of ${deployment.appName} is ${deployment.status}`,
      { reason: deployment.reason },
    );
    await deps.notifier.statusChanged(deployment, previous);
  }
  return result;
}

export function entry(d: DeploymentRecord): LedgerEntry {
  return {
    id: d.id,
    sequence: d.sequence ?? 0,
    trigger: d.trigger,
    status: d.status,
    rolloutSequence: d.rolloutSequence,
  };
}

function sameState(a: DeploymentState, b: DeploymentState): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.url === b.url &&
    a.image === b.image &&
    a.imageDigest === b.imageDigest
  );
}

export function outboxOf(queue: string, message: Kli8ntMessage): OutboxMessage {
  return {
    queue,
    messageId: message.messageId,
    deploymentId: message.deploymentId,
    message,
  };
}

/** Withdraws a build that was not sent yet, and cancels one that was. */
export async function stopBuild(
  txn: Txn,
  deployment: DeploymentRecord,
  cancelBuild: boolean,
) {
  await txn.tx.withdrawPending(deployment.id);
  if (!cancelBuild) return;
  // Sent even when the request was withdrawn: the relay may be
  // publishing it at this very moment.
  const cancel = createMessage('CancelRequested', {
    deploymentId: deployment.id,
    payload: { app: deployment.appName, cluster: deployment.cluster },
  });
  await txn.tx.enqueue([outboxOf(buildQueueName(deployment.cluster), cancel)]);
}

/** Records a decision of the ledger as an event of the deployment. */
export function decide(
  txn: Txn,
  deployment: DeploymentRecord,
  status: 'superseded' | 'cancelled' | 'failed',
  reason: string,
  message: string,
): Promise<DeploymentRecord> {
  const report = createMessage('StatusReport', {
    deploymentId: deployment.id,
    occurredAt: txn.now,
    payload: {
      app: deployment.appName,
      cluster: deployment.cluster,
      status,
      reason,
      message,
      source: 'portal',
    },
  });
  return append(txn, deployment, report);
}

/** Stores the event and refolds the deployment's status from all events. */
export async function append(
  txn: Txn,
  deployment: DeploymentRecord,
  report: StatusReportMessage,
): Promise<DeploymentRecord> {
  const { tx, now } = txn;
  await tx.recordEvent({
    messageId: report.messageId,
    deploymentId: deployment.id,
    status: report.payload.status,
    occurredAt: report.occurredAt,
    receivedAt: now.toISOString(),
    report,
  });
  const events = await tx.listEvents(deployment.id);
  const folded = foldStatus(events.map(e => e.report as StatusReportMessage));
  if (!folded) return deployment;
  const state: DeploymentState = {
    status: folded.status,
    reason: folded.reason,
    message: folded.message,
    url: folded.url ?? deployment.url,
    image: folded.image ?? deployment.image,
    imageDigest: folded.imageDigest ?? deployment.imageDigest,
  };
  if (sameState(state, deployment)) return deployment;
  await tx.updateDeploymentState(deployment.id, state, now);
  const updated = (await tx.getDeployment(deployment.id))!;
  txn.changes.push({ deployment: updated, previous: deployment });
  return updated;
}

/**
 * A deployment went live: the older live one is superseded by it, or, when a
 * later rollout is live already, this one is.
 */
export async function supersedeOthersOnLive(
  txn: Txn,
  deployment: DeploymentRecord,
) {
  const others = await txn.tx.activeDeployments();
  const decision = decideLive(entry(deployment), others.map(entry));
  if (decision.kind === 'superseded') {
    return decide(
      txn,
      deployment,
      'superseded',
      'Superseded',
      `Deployment ${decision.by} was rolled out later`,
    );
  }
  for (const id of decision.supersede) {
    await decide(
      txn,
      others.find(o => o.id === id)!,
      'superseded',
      'Superseded',
      `Replaced by deployment ${deployment.id}`,
    );
  }
  return deployment;
}
