import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealCloneToken } from '@kli8nt/backstage-plugin-kli8nt-node';
import { FailDeployment, failTargetOf } from '../deadLetters/failDeployment';
import { mustArrive } from './mustArrive';
import { ClaimedRow, OutboxStore } from './OutboxStore';

/** The part of kli8nt-node's WorkQueue the relay needs. */
export interface MessagePublisher {
  /** Resolves once the broker confirmed the message. */
  publish(queue: string, message: Kli8ntMessage): Promise<void>;
}

/** Mints the (repository-scoped, read-only) clone token of a repository at publish time. */
export type CloneTokenMinter = (repo: {
  host: string;
  owner: string;
  name: string;
}) => Promise<string | undefined>;

export interface OutboxRelayOptions {
  outbox: OutboxStore;
  publisher: () => Promise<MessagePublisher>;
  mintCloneToken: CloneTokenMinter;
  /**
   * `kli8nt.secretKey`: the clone token is sealed with it for the build
   * role, which holds the same key. Without it no token is minted, so only
   * public repositories build.
   */
  cloneTokenKey?: string;
  /** Ends the deployment of a parked row. */
  failDeployment: FailDeployment;
  logger: LoggerService;
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
  /** Failed attempts after which a row is parked (unless it must arrive). */
  maxAttempts: number;
  /** How long a claimed row is reserved for this instance. Default 60 s. */
  leaseMs?: number;
}

/** A row that can never be published (retrying cannot help). */
class UnpublishableError extends Error {}

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
 * Publishes outbox rows, each app's in order, and marks them sent once the
 * broker confirmed them. A row that fails waits with its own backoff and
 * holds back only its app's later rows; after `maxAttempts` failures (or at
 * once when it is invalid) it is parked and its deployment fails, so one bad
 * row never stops other apps or its own app for good. A row that must
 * arrive (`mustArrive`: a delete) is never parked; it keeps retrying with
 * backoff and its app's later rows wait for it. A broker that is down
 * makes publishes wait rather than fail, so an outage parks nothing.
 * Delivery is at least once (a crash between confirm and marking
 * re-publishes); consumers de-duplicate by messageId.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  /** When the earliest row held back in the last pass may be retried. */
  private retryAt?: number;

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

  /** Why rows are not being published now, if they are not (health). */
  problem(): string | undefined {
    return this.running ? undefined : 'The outbox relay is not running';
  }

  /** Publishes soon, without waiting for the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Publishes one batch, apps side by side. Returns how many rows were
   * attempted; a failed row holds back the rest of its app's rows.
   */
  async publishBatch(): Promise<number> {
    const { outbox, batchSize, leaseMs = 60_000 } = this.options;
    const { rows, waitUntil } = await outbox.claim({
      limit: batchSize,
      leaseMs,
      now: new Date(),
    });
    if (waitUntil) this.noteRetryAt(waitUntil.getTime());
    const byApp = new Map<string, ClaimedRow[]>();
    for (const row of rows) {
      byApp.set(row.app, [...(byApp.get(row.app) ?? []), row]);
    }
    const attempted = await Promise.all(
      [...byApp.values()].map(appRows => this.publishApp(appRows)),
    );
    return attempted.reduce((a, b) => a + b, 0);
  }

  private async publishApp(rows: ClaimedRow[]): Promise<number> {
    let attempted = 0;
    try {
      for (const row of rows) {
        if (!this.running && this.loop) break;
        attempted++;
        if (!(await this.publishRow(row))) break;
      }
    } finally {
      // Rows not attempted (after a failure, or when stopping) go back to
      // the pool right away; a failed row waits out its backoff.
      await this.options.outbox.release(rows.slice(attempted).map(r => r.id));
    }
    return attempted;
  }

  /** Returns whether the row is done with (sent or parked). */
  private async publishRow(row: ClaimedRow): Promise<boolean> {
    const { outbox, logger, maxAttempts, maxBackoffMs } = this.options;
    try {
      const message = await this.withCloneToken(row);
      const publisher = await this.options.publisher();
      await publisher.publish(row.queue, message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const attempts = row.attempts + 1;
      const wouldPark =
        error instanceof UnpublishableError || attempts >= maxAttempts;
      if (wouldPark && !mustArrive(row.message)) {
        await this.park(row, text, attempts);
        return true;
      }
      const retryAt = Date.now() + backoffMs(attempts, maxBackoffMs);
      this.noteRetryAt(retryAt);
      await outbox.markFailed(row.id, text, new Date(retryAt));
      if (wouldPark) {
        logger.error(
          `Could not publish message ${row.messageId} to ${row.queue} (attempt ${attempts}); it must arrive, so it is not parked but retried until it is sent, later messages of ${row.app} wait`,
          { error: text },
        );
      } else {
        logger.warn(
          `Could not publish message ${row.messageId} to ${row.queue} (attempt ${attempts} of ${maxAttempts}); will retry, later messages of ${row.app} wait`,
          { error: text },
        );
      }
      return false;
    }
    await outbox.markSent(row.id, new Date());
    logger.debug?.(`Published message ${row.messageId} to ${row.queue}`);
    return true;
  }

  private noteRetryAt(at: number) {
    this.retryAt = Math.min(this.retryAt ?? at, at);
  }

  private async park(row: ClaimedRow, error: string, attempts: number) {
    const { outbox, logger } = this.options;
    await outbox.park(row.id, error, new Date());
    logger.error(
      `Gave up publishing message ${row.messageId} to ${row.queue} after ${attempts} attempt(s); it is parked in the outbox`,
      { error },
    );
    const target = failTargetOf(row.deploymentId, row.message);
    if (target) {
      await this.options.failDeployment(
        target,
        'PublishFailed',
        `The request could not be sent to ${row.queue} after ${attempts} attempt(s): ${error}`,
      );
    }
  }

  /**
   * The token is minted here, as late as the backend can (the outbox row
   * never holds it), and sealed for this deployment and repository, so the
   * message body the broker keeps (queue, disk, dead letters) holds only
   * ciphertext.
   */
  private async withCloneToken(row: ClaimedRow): Promise<Kli8ntMessage> {
    const parsed = parseMessage(row.message);
    if (!parsed.ok) {
      throw new UnpublishableError(
        `Invalid outbox message ${row.messageId}: ${parsed.error}`,
      );
    }
    const message = parsed.message;
    const key = this.options.cloneTokenKey;
    if (message.type !== 'BuildRequested' || !key) {
      return message;
    }
    const { repo } = message.payload;
    const host = new URL(repo.cloneUrl).host;
    const token = await this.options.mintCloneToken({
      host,
      owner: repo.owner,
      name: repo.name,
    });
    if (!token) return message;
    const sealedCloneToken = sealCloneToken(token, key, {
      deploymentId: message.deploymentId,
      owner: repo.owner,
      name: repo.name,
    });
    return { ...message, payload: { ...message.payload, sealedCloneToken } };
  }

  private async run() {
    let failures = 0;
    while (this.running) {
      let delay = this.options.pollIntervalMs;
      this.kicked = false;
      this.retryAt = undefined;
      try {
        const sent = await this.publishBatch();
        failures = 0;
        if (sent === this.options.batchSize) {
          delay = 0;
        } else if (this.retryAt !== undefined) {
          delay = Math.max(0, Math.min(delay, this.retryAt - Date.now()));
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
