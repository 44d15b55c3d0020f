import {
  createMessage,
  StatusReportMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { redactText } from '@kli8nt/backstage-plugin-kli8nt-node';

/** Which deployment to end, as messages name it. */
export interface FailTarget {
  deploymentId: string;
  app: string;
  cluster: string;
}

/**
 * Ends a deployment `failed` with a reason code and a message for humans,
 * through the ledger (which ignores it for a deployment that already
 * ended). Used by the dead-letter consumer, the outbox relay and the
 * sweeper: they know that work was lost but do not decide statuses.
 */
export type FailDeployment = (
  target: FailTarget,
  reason: string,
  message: string,
) => Promise<void>;

/** The app and cluster of a message body, if it names them. */
export function failTargetOf(
  deploymentId: string | undefined,
  message: unknown,
): FailTarget | undefined {
  const payload = (message as { payload?: Record<string, unknown> })?.payload;
  const { app, cluster } = payload ?? {};
  if (!deploymentId || typeof app !== 'string' || typeof cluster !== 'string') {
    return undefined;
  }
  return { deploymentId, app, cluster };
}

/** Ends deployments through the ledger's `record`, as a portal decision. */
export function failThroughLedger(ledger: {
  record(report: StatusReportMessage): Promise<unknown>;
}): FailDeployment {
  return async (target, reason, message) => {
    await ledger.record(
      createMessage('StatusReport', {
        deploymentId: target.deploymentId,
        payload: {
          app: target.app,
          cluster: target.cluster,
          status: 'failed',
          reason,
          message: redactText(message).slice(0, 4096),
          source: 'portal',
        },
      }),
    );
  };
}
