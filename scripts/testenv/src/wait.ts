/** How long to wait, and what to show a human when the wait times out. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called once on timeout; its text goes into the error (e.g. {@link clusterDiagnostics}). */
  diagnose?: () => string | Promise<string>;
}

/**
 * Polls `probe` until it returns something other than undefined or false.
 * On timeout the error names what was awaited, the probe's last error and
 * whatever `diagnose` reports, so a red run says why without a rerun.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 200, diagnose } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = lastError ? ` (last error: ${String(lastError)})` : '';
      const details = diagnose ? `\n${await diagnose()}` : '';
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last}${details}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
