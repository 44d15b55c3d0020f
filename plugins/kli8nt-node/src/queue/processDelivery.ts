import { isTerminalError } from './errors';
import { redactText } from './redact';
import { backoffDelay } from './topology';
import { MessageParser, RetryPolicy, WorkHandler, WorkMessage } from './types';

/**
 * What to do with a delivery once it was processed.
 *
 * @public
 */
export type DeliveryOutcome =
  | { action: 'ack' }
  | { action: 'retry'; error: Error; delayMs: number }
  | { action: 'dead-letter'; reason: string };

/** Error texts end up in logs and dead-letter headers: no credentials. */
function errorMessage(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}

/**
 * The broker-independent part of consuming: decode, validate, run the
 * handler and decide between ack, retry and dead-letter.
 *
 * @public
 */
export async function processDelivery<T extends WorkMessage>(options: {
  queue: string;
  body: Buffer | string;
  messageId?: string;
  attempt: number;
  deliveryLimit: number;
  retry: RetryPolicy;
  parser: MessageParser<T>;
  handler: WorkHandler<T>;
}): Promise<DeliveryOutcome> {
  const { queue, body, attempt, deliveryLimit, parser, handler } = options;
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch {
    // Not the parser's message: it quotes the body, which may hold a token.
    return {
      action: 'dead-letter',
      reason: `invalid JSON (${body.length} bytes)`,
    };
  }
  const parsed = parser(raw);
  if (!parsed.ok) {
    return {
      action: 'dead-letter',
      reason: `invalid message: ${parsed.error}`,
    };
  }
  const messageId = options.messageId || parsed.message.messageId;
  try {
    await handler(parsed.message, {
      queue,
      messageId,
      attempt,
      redelivered: attempt > 1,
    });
    return { action: 'ack' };
  } catch (error) {
    if (isTerminalError(error)) {
      return {
        action: 'dead-letter',
        reason: `handler refused on attempt ${attempt}: ${errorMessage(error)}`,
      };
    }
    if (attempt >= deliveryLimit) {
      return {
        action: 'dead-letter',
        reason: `handler failed on attempt ${attempt} of ${deliveryLimit}: ${errorMessage(
          error,
        )}`,
      };
    }
    return {
      action: 'retry',
      error: new Error(errorMessage(error), { cause: error }),
      delayMs: backoffDelay(
        attempt - 1,
        options.retry.initialDelayMs,
        options.retry.maxDelayMs,
      ),
    };
  }
}
