import { LoggerService } from '@backstage/backend-plugin-api';
import {
  INFORM_QUEUE,
  parseMessage,
  StatusReportMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  ConsumerHandle,
  DeadLetter,
  Kli8ntWorkQueue,
  redactText,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { FailDeployment, failTargetOf } from './failDeployment';
import { ResendDelete } from './resendDelete';

/** What is kept of a dead letter: no body, so no credential. */
export interface DeadLetterSummary {
  queue: string;
  messageId?: string;
  type?: string;
  deploymentId?: string;
  reason: string;
}

export function summarize(letter: DeadLetter): {
  summary: DeadLetterSummary;
  body: unknown;
} {
  let body: unknown;
  try {
    body = JSON.parse(letter.body);
  } catch {
    body = undefined;
  }
  const envelope = (body ?? {}) as { type?: unknown; deploymentId?: unknown };
  return {
    body,
    summary: {
      queue: letter.queue,
      messageId: letter.messageId,
      type: typeof envelope.type === 'string' ? envelope.type : undefined,
      deploymentId:
        typeof envelope.deploymentId === 'string'
          ? envelope.deploymentId
          : undefined,
      reason: redactText(letter.reason),
    },
  };
}

/**
 * Consumes the dead-letter queue: every message given up on (invalid,
 * refused as terminal, or out of attempts) ends its deployment `failed`
 * with the reason, so that no accepted request waits forever. A controller's
 * report from INFORM is a fact, not a request: it is recorded once more
 * first (its attempts may have run out while the database was down), and
 * only a report that still cannot be recorded fails its deployment. A
 * delete has no deployment to fail: it is sent again until it reaches the
 * cluster (or no longer stands). It logs a summary without the body; the
 * queue already replaced credentials in it.
 */
export class DeadLetterConsumer {
  private handle?: Promise<ConsumerHandle | undefined>;

  constructor(
    private readonly options: {
      queue: () => Promise<Kli8ntWorkQueue>;
      failDeployment: FailDeployment;
      /** Records a controller's report (the ledger). */
      recordReport(report: StatusReportMessage): Promise<unknown>;
      /** Sends a dead-lettered DeleteRequested again (the outbox). */
      resendDelete: ResendDelete;
      logger: LoggerService;
      /** Pause before a letter is handed back after a failure. Default 5 s. */
      retryDelayMs?: number;
    },
  ) {}

  start(): void {
    this.handle = this.options
      .queue()
      .then(queue => queue.consumeDeadLetters(letter => this.onLetter(letter)))
      .catch(error => {
        this.options.logger.error(
          'Could not consume the dead-letter queue; deployments whose messages are given up on will stay unfinished until the sweeper ends them',
          { error: String(error) },
        );
        return undefined;
      });
  }

  async stop(): Promise<void> {
    const handle = await this.handle;
    await handle?.cancel();
  }

  private async onLetter(letter: DeadLetter): Promise<void> {
    const { logger, failDeployment } = this.options;
    const { summary, body } = summarize(letter);
    logger.warn(
      `Message ${summary.messageId ?? '(no id)'} from ${
        summary.queue
      } was dead-lettered: ${summary.reason}`,
      { ...summary },
    );
    const parsed = parseMessage(body);
    if (parsed.ok && parsed.message.type === 'DeleteRequested') {
      const lost = parsed.message.payload;
      const { app, cluster } = lost;
      await this.orRetry(`send the delete of ${app} again`, async () => {
        if (await this.options.resendDelete(lost)) {
          logger.error(
            `The delete of app ${app} did not reach cluster ${cluster} (${summary.reason}); it is sent again, its objects keep running until it is handled`,
          );
        }
      });
      return;
    }
    const target = failTargetOf(summary.deploymentId, body);
    if (!target) return;
    if (summary.queue === INFORM_QUEUE && (await this.recordAgain(body))) {
      return;
    }
    await this.orRetry(`end deployment ${target.deploymentId}`, () =>
      failDeployment(
        target,
        'DeadLettered',
        `${summary.type ?? 'A message'} on ${summary.queue} was given up on: ${
          summary.reason
        }`,
      ),
    );
  }

  /** Runs `fn`; when it fails, the letter goes back to the queue. */
  private async orRetry(what: string, fn: () => Promise<unknown>) {
    try {
      await fn();
    } catch (error) {
      this.options.logger.error(
        `Could not ${what} after its message was dead-lettered; retrying`,
        { error: String(error) },
      );
      // Wait so that a database outage is not a busy loop.
      await new Promise(r => setTimeout(r, this.options.retryDelayMs ?? 5000));
      throw error;
    }
  }

  /** True when the report from INFORM is recorded now. */
  private async recordAgain(body: unknown): Promise<boolean> {
    const parsed = parseMessage(body);
    if (!parsed.ok || parsed.message.type !== 'StatusReport') return false;
    try {
      await this.options.recordReport(parsed.message);
      return true;
    } catch (error) {
      this.options.logger.warn(
        `Dead-lettered report ${parsed.message.messageId} still cannot be recorded; failing its deployment`,
        { error: String(error) },
      );
      return false;
    }
  }
}
