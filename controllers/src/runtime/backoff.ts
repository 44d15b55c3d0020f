/** Exponential backoff with jitter, for retries of failed reconciles and watches. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay randomised either way, so retries do not align. */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = {
  baseMs: 500,
  maxMs: 5 * 60_000,
  jitter: 0.2,
};

/** Delay before the given attempt (1-based). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    options.maxMs,
    options.baseMs * 2 ** Math.max(0, attempt - 1),
  );
  const spread = exponential * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(exponential + spread));
}
