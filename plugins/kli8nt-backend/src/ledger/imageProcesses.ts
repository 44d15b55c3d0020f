import {
  Process,
  buildPlanReportSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { DeploymentRecord, LedgerTx } from '../database/types';

/** Redeploys of redeploys: how far back the build of an image is looked for. */
const MAX_SOURCES = 50;

/**
 * The processes of the image a deployment rolls out, from the plan its
 * build reported (`built`): the deployment's own build, or for redeploys,
 * rollbacks and settings changes the build of the deployment they copied
 * the image from. Undefined (one web process running the image's command)
 * when the build reported none, e.g. the repository's own Dockerfile, or
 * its history is gone.
 */
export async function imageProcesses(
  tx: Pick<LedgerTx, 'listEvents' | 'getDeployment'>,
  deployment: DeploymentRecord,
): Promise<Process[] | undefined> {
  let current: DeploymentRecord | undefined = deployment;
  for (let i = 0; current && i < MAX_SOURCES; i++) {
    const built = (await tx.listEvents(current.id)).find(
      e => e.status === 'built',
    );
    if (built) {
      const plan = buildPlanReportSchema.safeParse(
        (built.report as { payload?: { plan?: unknown } })?.payload?.plan,
      );
      return plan.success ? plan.data.processes : undefined;
    }
    if (!current.sourceDeploymentId) return undefined;
    current = await tx.getDeployment(current.sourceDeploymentId);
  }
  return undefined;
}
