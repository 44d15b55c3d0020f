import { LoggerService } from '@backstage/backend-plugin-api';
import { Kli8ntStore } from '../database/types';
import { deleteRequest } from '../ledger/requests';

/** What a dead-lettered DeleteRequested names. */
export interface LostDelete {
  app: string;
  cluster: string;
  sequence: number;
}

/**
 * Sends a delete that was given up on again, through the outbox after
 * `delayMs`. A delete has no deployment to fail, and the portal already
 * forgot the app, so dropping it would leave the app running in the
 * cluster; sending it again is safe (the deploy controller deletes by
 * tombstone sequence). Not when it no longer stands: the app was deployed
 * again or deleted again since. Returns whether it was sent again.
 */
export type ResendDelete = (lost: LostDelete) => Promise<boolean>;

export function resendThroughOutbox(options: {
  store: Pick<Kli8ntStore, 'inApp'>;
  logger: LoggerService;
  delayMs: number;
}): ResendDelete {
  const { store, logger, delayMs } = options;
  return lost =>
    store.inApp(lost.app, async tx => {
      const tombstone = await tx.deletedSequence();
      const stands =
        tombstone === lost.sequence && !(await tx.getAppByName(lost.app));
      if (!stands) {
        logger.info(
          `The dead-lettered delete of ${lost.app} no longer stands (deployed or deleted again since); dropped`,
        );
        return false;
      }
      await tx.enqueue([
        deleteRequest(
          { appName: lost.app, cluster: lost.cluster },
          lost.sequence,
          new Date(Date.now() + delayMs),
        ),
      ]);
      return true;
    });
}
