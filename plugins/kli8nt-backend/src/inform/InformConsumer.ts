import { LoggerService } from '@backstage/backend-plugin-api';
import {
  INFORM_QUEUE,
  Kli8ntMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  ConsumerHandle,
  Kli8ntWorkQueue,
  TerminalError,
} from '@internal/backstage-plugin-kli8nt-node';
import { DeploymentLedger } from '../ledger/DeploymentLedger';

/**
 * Consumes the INFORM queue and routes each report to the ledger. A report
 * is acked only after the ledger committed it and its follow-ups; a failure rejects it so the queue redelivers it (and dead-letters
 * it after the delivery limit).
 */
export class InformConsumer {
  private handle?: Promise<ConsumerHandle | undefined>;

  constructor(
    private readonly options: {
      queue: () => Promise<Kli8ntWorkQueue>;
      ledger: DeploymentLedger;
      logger: LoggerService;
    },
  ) {}

  /** Starts consuming once the queue is connected. */
  start(): void {
    this.handle = this.options
      .queue()
      .then(queue =>
        queue.consume(INFORM_QUEUE, message => this.handle_(message)),
      )
      .catch(error => {
        this.options.logger.error(
          `Could not consume ${INFORM_QUEUE}; deployment statuses will not update`,
          { error: String(error) },
        );
        return undefined;
      });
  }

  async stop(): Promise<void> {
    const handle = await this.handle;
    await handle?.cancel();
  }

  private async handle_(message: Kli8ntMessage): Promise<void> {
    if (message.type !== 'StatusReport') {
      // Retrying cannot make it belong here: dead-letter it at once.
      throw new TerminalError(
        `Unexpected ${message.type} message on ${INFORM_QUEUE}; only StatusReport belongs here`,
      );
    }
    await this.options.ledger.record(message);
  }
}
