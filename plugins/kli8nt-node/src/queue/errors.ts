const TERMINAL = Symbol.for('kli8nt.TerminalError');

/**
 * Thrown by a handler when retrying cannot help (the message asks for
 * something impossible, a user error): the message is dead-lettered at once
 * with this error's message as reason. Any other error is retryable and is
 * retried with backoff until the delivery limit.
 *
 * @public
 */
export class TerminalError extends Error {
  readonly [TERMINAL] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * Whether an error is a {@link TerminalError}, also across copies of this
 * package (the brand is a global symbol, not the class identity).
 *
 * @public
 */
export function isTerminalError(error: unknown): error is TerminalError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[TERMINAL] === true
  );
}
