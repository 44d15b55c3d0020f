import { ConflictError } from '@backstage/errors';
import {
  Process,
  workerDeploymentName,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, LedgerTx } from '../database/types';
import { imageProcesses } from './imageProcesses';

/*
 * A worker process runs as a Deployment named `<app>-<process>` (the rule
 * the deploy controller names it by, workerDeploymentName) in the apps
 * namespace, where every app's web Deployment is named after the app: `shop`
 * with a worker `api` and an app named `shop-api` would both own
 * `shop-api`. The portal knows every app name, so it refuses the second of
 * the two to come, whichever it is.
 */

/** A refused rollout: the deployment ends `failed` with this reason. */
export class ProcessNameConflictError extends ConflictError {
  readonly reason = 'ProcessNameConflict';
}

const workers = (processes: Process[] | undefined) =>
  (processes ?? []).filter(p => p.type === 'worker');

/**
 * Throws when a worker of `app` would take the name of another app, or of
 * a worker of another app: `shop`'s `a-b` and `shop-a`'s `b` are both
 * `shop-a-b`. Such an app's name is a prefix of the Deployment name; its
 * current image is read without its lock (prefixes can be longer or shorter
 * than `app`'s name, so locking them could make two rollouts wait for each
 * other).
 */
export async function assertWorkerNamesFree(
  tx: Pick<
    LedgerTx,
    'getAppByName' | 'activeDeploymentsOf' | 'listEvents' | 'getDeployment'
  >,
  app: Pick<AppRecord, 'appName' | 'cluster' | 'entityRef'>,
  processes: Process[] | undefined,
): Promise<void> {
  const refuse = (worker: Process, name: string, taken: string) => {
    throw new ProcessNameConflictError(
      `The worker process ${worker.name} of ${app.appName} would run as Deployment ${name}, which is ${taken}: rename the process in the Procfile, or give one of the apps another name (kli8nt.io/app annotation)`,
    );
  };
  for (const worker of workers(processes)) {
    const name = workerDeploymentName(app.appName, worker.name);
    const other = await tx.getAppByName(name);
    if (other && other.cluster === app.cluster) {
      refuse(worker, name, `the app of ${other.entityRef}`);
    }
    for (let dash = name.indexOf('-'); dash > 0; ) {
      const prefix = name.slice(0, dash);
      dash = name.indexOf('-', dash + 1);
      if (prefix === app.appName) continue;
      const owner = await tx.getAppByName(prefix);
      if (!owner || owner.cluster !== app.cluster) continue;
      const same = (await currentWorkers(tx, prefix)).find(
        w => workerDeploymentName(prefix, w.name) === name,
      );
      if (same) {
        refuse(
          worker,
          name,
          `the worker process ${same.name} of ${owner.entityRef}`,
        );
      }
    }
  }
}

/** The workers of the image `appName` rolls out now (live or on its way). */
export async function currentWorkers(
  tx: Pick<LedgerTx, 'activeDeploymentsOf' | 'listEvents' | 'getDeployment'>,
  appName: string,
  options?: { lock?: boolean },
): Promise<Process[]> {
  const [current] = (await tx.activeDeploymentsOf(appName, options))
    .filter(d => d.rolloutSequence !== undefined)
    .sort((a, b) => b.rolloutSequence! - a.rolloutSequence!);
  return current ? workers(await imageProcesses(tx, current)) : [];
}

/**
 * Throws when a new app named `appName` would take the Deployment name of
 * a worker that another app (`shop` for `shop-api`) runs or rolls out now;
 * `workersOf` reads that app's {@link currentWorkers}.
 */
export async function assertNameFreeOfWorkers(
  tx: Pick<LedgerTx, 'getAppByName'>,
  workersOf: (owner: AppRecord) => Promise<Process[]>,
  appName: string,
  cluster: string,
): Promise<void> {
  for (let dash = appName.indexOf('-'); dash > 0; ) {
    const owner = await tx.getAppByName(appName.slice(0, dash));
    if (owner && owner.cluster === cluster) {
      const worker = (await workersOf(owner)).find(
        w => workerDeploymentName(owner.appName, w.name) === appName,
      );
      if (worker) {
        throw new ConflictError(
          `App name '${appName}' is the Deployment of the worker process ${worker.name} of ${owner.entityRef}: set another name with the kli8nt.io/app annotation`,
        );
      }
    }
    dash = appName.indexOf('-', dash + 1);
  }
}
