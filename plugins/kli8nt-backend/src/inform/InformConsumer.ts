import { LoggerService } from '@backstage/backend-plugin-api';
import {
  INFORM_QUEUE,
  Kli8ntMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  ConsumerHandle,
  Kli8ntWorkQueue,
  TerminalError,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { RecordReport } from './ownedReports';

/**
 * Consumes the INFORM queue and routes each report to the ledger. A report
 * is acked only after the ledger committed it and its follow-ups; a failure rejects it so the queue redelivers it (and dead-letters
 * it after the delivery limit).
 */
export class InformConsumer {
  private handle?: Promise<ConsumerHandle | undefined>;
  private state:
    | { is: 'idle' | 'connecting' | 'stopped' }
    | { is: 'consuming'; queue: Kli8ntWorkQueue }
    | { is: 'failed'; error: string } = { is: 'idle' };

  constructor(
    private readonly options: {
      queue: () => Promise<Kli8ntWorkQueue>;
      /** Where reports go: the ledger, behind `ownedReports` (plugin.ts). */
      ledger: { record: RecordReport };
      logger: LoggerService;
      /** The queue to consume: INFORM_QUEUE, or a test's own (the deploy role's KLI8NT_INFORM_QUEUE alike). */
      queueName?: string;
    },
  ) {}

  private get queueName(): string {
    return this.options.queueName ?? INFORM_QUEUE;
  }

  /** Starts consuming once the queue is connected. */
  start(): void {
    this.state = { is: 'connecting' };
    this.handle = this.options
      .queue()
      .then(async queue => {
        const handle = await queue.consume(this.queueName, message =>
          this.handle_(message),
        );
        if (this.state.is === 'connecting') {
          this.state = { is: 'consuming', queue };
        }
        return handle;
      })
      .catch(error => {
        this.state = { is: 'failed', error: String(error) };
        this.options.logger.error(
          `Could not consume ${this.queueName}; deployment statuses will not update`,
          { error: String(error) },
        );
        return undefined;
      });
  }

  async stop(): Promise<void> {
    this.state = { is: 'stopped' };
    const handle = await this.handle;
    await handle?.cancel();
  }

  /** Why reports are not being consumed now, if they are not (health). */
  problem(): string | undefined {
    const { state } = this;
    switch (state.is) {
      case 'consuming':
        // The AMQP queue resumes its consumers after a reconnect.
        return (state.queue as { connected?: boolean }).connected === false
          ? `RabbitMQ is disconnected: ${this.queueName} is not consumed until it reconnects`
          : undefined;
      case 'failed':
        return `Could not consume ${this.queueName}: ${state.error}`;
      case 'connecting':
        return `Waiting for RabbitMQ to consume ${this.queueName}`;
      default:
        return `The ${this.queueName} consumer is ${
          state.is === 'idle' ? 'not started' : 'stopped'
        }`;
    }
  }

  private async handle_(message: Kli8ntMessage): Promise<void> {
    if (message.type !== 'StatusReport') {
      // Retrying cannot make it belong here: dead-letter it at once.
      throw new TerminalError(
        `Unexpected ${message.type} message on ${this.queueName}; only StatusReport belongs here`,
      );
    }
    await this.options.ledger.record(message);
  }
}
