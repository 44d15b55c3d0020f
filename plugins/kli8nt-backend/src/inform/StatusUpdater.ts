import { LoggerService } from '@backstage/backend-plugin-api';
import {
  StatusReportMessage,
  createMessage,
  foldStatus,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  DeploymentRecord,
  DeploymentState,
  Kli8ntStore,
} from '../database/types';
import { DeploymentNotifier } from './DeploymentNotifier';
import { KeyedSerializer } from './KeyedSerializer';

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

function isOlder(a: DeploymentRecord, b: DeploymentRecord): boolean {
  return (
    a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id)
  );
}

/**
 * Applies status reports to deployments: stores each report once (by
 * messageId), recomputes the state from all stored reports with
 * `foldStatus`, and announces changes. So duplicates and reordering are
 * harmless, and a crash between the steps is repaired by redelivery.
 */
export class StatusUpdater {
  private readonly serializer = new KeyedSerializer();

  constructor(
    private readonly options: {
      store: Kli8ntStore;
      notifier: DeploymentNotifier;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Applies one report; returns the deployment afterwards, if it exists. */
  async apply(
    report: StatusReportMessage,
  ): Promise<DeploymentRecord | undefined> {
    const updated = await this.serializer.run(report.deploymentId, () =>
      this.applyOne(report),
    );
    if (updated?.status === 'live') {
      await this.supersedeOthers(updated);
    }
    return updated;
  }

  private async applyOne(report: StatusReportMessage) {
    const { store, logger } = this.options;
    const deployment = await store.getDeployment(report.deploymentId);
    if (!deployment) {
      logger.warn(
        `Ignoring status report ${report.messageId}: deployment ${report.deploymentId} does not exist (deleted?)`,
      );
      return undefined;
    }
    if (deployment.appName !== report.payload.app) {
      logger.warn(
        `Ignoring status report ${report.messageId}: it names app ${report.payload.app}, deployment ${deployment.id} belongs to ${deployment.appName}`,
      );
      return deployment;
    }
    const now = this.now();
    await store.recordEvent({
      messageId: report.messageId,
      deploymentId: deployment.id,
      status: report.payload.status,
      occurredAt: report.occurredAt,
      receivedAt: now.toISOString(),
      report,
    });
    const events = await store.listEvents(deployment.id);
    const folded = foldStatus(events.map(e => e.report as StatusReportMessage));
    if (!folded) {
      return deployment;
    }
    const state: DeploymentState = {
      status: folded.status,
      reason: folded.reason,
      message: folded.message,
      url: folded.url ?? deployment.url,
      image: folded.image ?? deployment.image,
      imageDigest: folded.imageDigest ?? deployment.imageDigest,
    };
    if (sameState(state, deployment)) {
      return deployment;
    }
    await store.updateDeploymentState(deployment.id, state, now);
    const updated = (await store.getDeployment(deployment.id))!;
    logger.info(
      `Deployment ${deployment.id} of ${deployment.appName} is ${state.status}`,
      { reason: state.reason },
    );
    await this.options.notifier.statusChanged(updated, deployment);
    return updated;
  }

  /**
   * One app serves one deployment: when a deployment is live, older live
   * ones are superseded; if a newer one is live already, this one is.
   */
  private async supersedeOthers(live: DeploymentRecord) {
    const lives = await this.options.store.findDeployments(live.appName, [
      'live',
    ]);
    for (const other of lives) {
      if (other.id === live.id) continue;
      const [older, newer] = isOlder(other, live)
        ? [other, live]
        : [live, other];
      await this.apply(
        createMessage('StatusReport', {
          deploymentId: older.id,
          payload: {
            app: older.appName,
            cluster: older.cluster,
            status: 'superseded',
            reason: 'Superseded',
            message: `Replaced by deployment ${newer.id}`,
            source: 'deploy',
          },
        }),
      );
    }
  }
}
