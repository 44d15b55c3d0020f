/** The q-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, rank)];
}

export const median = (values: number[]) => quantile(values, 0.5);

/** Quantiles 0, 1, …, 100 %, for charts and the JSON result. */
export function percentiles(values: number[]): number[] {
  return Array.from({ length: 101 }, (_, i) => quantile(values, i / 100));
}

export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/** Waits until `check` holds, or throws after `ms` naming `what`. */
export async function until(what: string, check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}
