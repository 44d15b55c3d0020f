/**
 * `Promise.all` that lets every request finish before it throws the first
 * failure: a pass that fails leaves none of its writes in flight, to land
 * after the retry's newer ones.
 */
export async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }
  return results.map(
    r => (r as PromiseFulfilledResult<unknown>).value,
  ) as unknown as { -readonly [K in keyof T]: Awaited<T[K]> };
}
