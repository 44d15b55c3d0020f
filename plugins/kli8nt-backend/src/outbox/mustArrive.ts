/**
 * Whether a row's message must reach its queue however long that takes:
 * the relay retries it with backoff and never parks it. A DeleteRequested
 * has no deployment whose failure would tell anyone, and the portal has
 * already forgotten the app, so giving up on it would leave an app the user
 * deleted running. (A parked build or rollout fails its own deployment,
 * which the user sees.)
 */
export function mustArrive(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === 'DeleteRequested';
}
