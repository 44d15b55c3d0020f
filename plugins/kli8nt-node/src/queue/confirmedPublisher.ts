// Publisher confirms: each publish is kept until the broker confirms it.
import { randomUUID } from 'node:crypto';
import type { AmqpMessage, ConfirmChannel } from './amqpTypes';
import { PUBLISH_HEADER } from './topology';

interface PendingPublish {
  id: string;
  exchange: string;
  routingKey: string;
  body: Buffer;
  messageId: string;
  headers: Record<string, unknown>;
  /** Per-message TTL in ms (retry queues only). */
  expiration?: string;
  nacks: number;
  returned: boolean;
  resolve(): void;
  reject(error: Error): void;
}

const MAX_NACKS = 5;

/**
 * The unconfirmed publishes of a work queue and the confirm channel they go
 * to: a nack is retried a few times, a returned (unroutable) publish is
 * refused, and a publish cut off by a lost channel waits for the next one.
 */
export class ConfirmedPublisher {
  readonly #pending = new Map<string, PendingPublish>();
  #channel?: ConfirmChannel;

  /** The confirm channel publishes go to; undefined while disconnected. */
  get channel(): ConfirmChannel | undefined {
    return this.#channel;
  }

  set channel(channel: ConfirmChannel | undefined) {
    this.#channel = channel;
  }

  /** How many publishes the broker has not confirmed yet. */
  get size(): number {
    return this.#pending.size;
  }

  /** The broker returned a mandatory publish: no queue is bound for it. */
  markReturned(msg: AmqpMessage) {
    const id = msg.properties.headers?.[PUBLISH_HEADER];
    const pending = this.#pending.get(String(id));
    if (pending) pending.returned = true;
  }

  /** Sends every unconfirmed publish again, on the current channel. */
  retransmitAll() {
    for (const pending of this.#pending.values()) {
      this.#transmit(pending);
    }
  }

  /** Fails every unconfirmed publish (the queue is closing). */
  rejectAll(message: string) {
    for (const pending of this.#pending.values()) {
      pending.reject(new Error(message));
    }
    this.#pending.clear();
  }

  /** Publishes (mandatory, persistent); resolves once the broker confirms. */
  send(
    exchange: string,
    routingKey: string,
    body: Buffer,
    messageId: string,
    headers: Record<string, unknown>,
    expiration?: string,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: PendingPublish = {
        id: randomUUID(),
        exchange,
        routingKey,
        body,
        messageId,
        headers,
        expiration,
        nacks: 0,
        returned: false,
        resolve,
        reject,
      };
      this.#pending.set(pending.id, pending);
      if (this.#channel) this.#transmit(pending);
    });
  }

  #transmit(pending: PendingPublish) {
    const publisher = this.#channel;
    if (!publisher) return;
    pending.returned = false;
    const done = (error: Error | null | undefined) => {
      if (!this.#pending.has(pending.id)) return;
      if (!error) {
        this.#pending.delete(pending.id);
        if (pending.returned) {
          pending.reject(
            new Error(
              `Unroutable message ${pending.messageId}: no queue bound for '${pending.routingKey}' on exchange '${pending.exchange}'`,
            ),
          );
        } else {
          pending.resolve();
        }
        return;
      }
      if (this.#channel !== publisher) {
        return; // channel lost: re-sent after reconnecting
      }
      pending.nacks += 1;
      if (pending.nacks >= MAX_NACKS) {
        this.#pending.delete(pending.id);
        pending.reject(
          new Error(
            `Broker refused message ${pending.messageId}: ${error.message}`,
          ),
        );
      } else {
        setTimeout(() => this.#transmit(pending), 100 * pending.nacks);
      }
    };
    try {
      publisher.publish(
        pending.exchange,
        pending.routingKey,
        pending.body,
        {
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          messageId: pending.messageId,
          expiration: pending.expiration,
          headers: { ...pending.headers, [PUBLISH_HEADER]: pending.id },
        },
        done,
      );
    } catch {
      // The channel is closing; the reconnect re-sends everything pending.
    }
  }
}
