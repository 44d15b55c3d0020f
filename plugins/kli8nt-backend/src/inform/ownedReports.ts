import { LoggerService } from '@backstage/backend-plugin-api';
import { StatusReportMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { Kli8ntStore } from '../database/types';

/** Records a report (the ledger's `record`). */
export type RecordReport = (report: StatusReportMessage) => Promise<unknown>;

/**
 * Why a report from INFORM is not the controllers' to make, or undefined.
 * A deployment's build and rollout go only to the queues of the cluster it
 * was accepted for (`deployments.cluster`), and its controllers report that
 * cluster; the ledger's own decisions (`source: portal`) never travel
 * through a queue. So a report naming another cluster, or the portal, came
 * from a cluster that was never sent the work: misrouted or forged.
 */
export function foreignReportProblem(
  report: StatusReportMessage,
  ownerCluster: string | undefined,
): string | undefined {
  const { cluster, source } = report.payload;
  if (source === 'portal') {
    return 'it claims to be a portal decision, which never comes through a queue';
  }
  if (ownerCluster !== undefined && cluster !== ownerCluster) {
    return `it comes from cluster ${cluster}, but the deployment was sent to cluster ${ownerCluster}`;
  }
  return undefined;
}

/**
 * Where reports from INFORM enter (the INFORM consumer, and the dead-letter
 * consumer recording one again): a foreign report is logged and dropped,
 * the deployment unchanged; every other one goes to `record`. A report of
 * an unknown deployment goes on too (the ledger says it does not exist).
 *
 * This checks what a report says, not who sent it: with one broker identity
 * for every cluster (README, Security) a sender can still name the right
 * cluster. Per-cluster broker users would let the broker vouch for it.
 */
export function ownedReports(options: {
  store: Pick<Kli8ntStore, 'getDeployment'>;
  record: RecordReport;
  logger: LoggerService;
}): RecordReport {
  const { store, record, logger } = options;
  return async report => {
    // A deployment's cluster never changes: no lock needed to read it.
    const owner = await store.getDeployment(report.deploymentId);
    const problem = foreignReportProblem(report, owner?.cluster);
    if (problem) {
      logger.warn(
        `Ignoring status report ${report.messageId} of deployment ${report.deploymentId}: ${problem}`,
        {
          messageId: report.messageId,
          deploymentId: report.deploymentId,
          cluster: report.payload.cluster,
          status: report.payload.status,
        },
      );
      return undefined;
    }
    return record(report);
  };
}
