import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Kli8ntMessage,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { Kli8ntStore, OutboxRecord } from '../database/types';

/** The part of kli8nt-node's WorkQueue the relay needs. */
export interface MessagePublisher {
  /** Resolves once the broker confirmed the message. */
  publish(queue: string, message: Kli8ntMessage): Promise<void>;
}

/** Mints the clone token of a repository at publish time. */
export type CloneTokenMinter = (repo: {
  host: string;
  owner: string;
  name: string;
}) => Promise<string | undefined>;

export interface OutboxRelayOptions {
  store: Kli8ntStore;
  publisher: () => Promise<MessagePublisher>;
  mintCloneToken: CloneTokenMinter;
  logger: LoggerService;
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
  /** How long a claimed row is reserved for this instance. Default 60 s. */
  leaseMs?: number;
}

/** Delay after the n-th consecutive failure: exponential with jitter. */
export function backoffMs(
  failures: number,
  maxMs: number,
  random = Math.random,
) {
  const base = Math.min(maxMs, 250 * 2 ** Math.min(failures - 1, 16));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * Publishes outbox rows in order and marks them sent once the broker
 * confirmed them. A row that cannot be published stays pending and the loop
 * backs off, so messages accepted while the broker is down go out when it
 * returns. Delivery is at least once (a crash between confirm and marking
 * re-publishes); consumers de-duplicate by messageId.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop; a publish blocked on an absent broker is abandoned. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.loop,
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Publishes soon, without waiting for the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Publishes one batch. Returns how many rows were sent; throws on the
   * first row that could not be published (later rows wait for it, to keep
   * the order).
   */
  async publishBatch(): Promise<number> {
    const { store, batchSize, leaseMs = 60_000 } = this.options;
    const rows = await store.claimOutbox(batchSize, leaseMs, new Date());
    let attempted = 0;
    try {
      for (const row of rows) {
        if (!this.running && this.loop) break;
        attempted++;
        await this.publishRow(row);
      }
    } finally {
      // Rows not attempted (after a failure, or when stopping) go back to
      // the pool right away; a failed row is released by markFailed.
      await store.releaseOutbox(rows.slice(attempted).map(r => r.id));
    }
    return attempted;
  }

  private async publishRow(row: OutboxRecord) {
    const { store, logger } = this.options;
    try {
      const message = await this.withCloneToken(row);
      const publisher = await this.options.publisher();
      await publisher.publish(row.queue, message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      await store.markFailed(row.id, text);
      logger.warn(
        `Could not publish message ${row.messageId} to ${row.queue} (attempt ${
          row.attempts + 1
        }); will retry`,
        { error: text },
      );
      throw error;
    }
    await store.markSent(row.id, new Date());
    logger.debug?.(`Published message ${row.messageId} to ${row.queue}`);
  }

  /** The token is minted here so that it is never stored in the outbox. */
  private async withCloneToken(row: OutboxRecord): Promise<Kli8ntMessage> {
    const parsed = parseMessage(row.message);
    if (!parsed.ok) {
      throw new Error(
        `Invalid outbox message ${row.messageId}: ${parsed.error}`,
      );
    }
    const message = parsed.message;
    if (message.type !== 'BuildRequested') {
      return message;
    }
    const { repo } = message.payload;
    const host = new URL(repo.cloneUrl).host;
    const cloneToken = await this.options.mintCloneToken({
      host,
      owner: repo.owner,
      name: repo.name,
    });
    return cloneToken
      ? { ...message, payload: { ...message.payload, cloneToken } }
      : message;
  }

  private async run() {
    let failures = 0;
    while (this.running) {
      let delay = this.options.pollIntervalMs;
      this.kicked = false;
      try {
        const sent = await this.publishBatch();
        failures = 0;
        if (sent === this.options.batchSize) {
          delay = 0;
        }
      } catch {
        failures++;
        delay = backoffMs(failures, this.options.maxBackoffMs);
      }
      if (this.running && delay > 0 && !(this.kicked && failures === 0)) {
        await this.sleep(delay, failures > 0);
      }
    }
  }

  /** Waits for `ms`, or until woken; a kick does not cut a backoff short. */
  private async sleep(ms: number, backingOff: boolean) {
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        if (!backingOff || !this.running) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.wake = undefined;
  }
}
