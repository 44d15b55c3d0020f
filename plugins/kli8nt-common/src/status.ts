/**
 * The lifecycle of one deployment.
 *
 * - `queued`: accepted by the backend, build not started yet.
 * - `building`: the build Job is cloning, detecting or building.
 * - `built`: the image is pushed; waiting for a deploy controller.
 * - `deploying`: the App is applied and the rollout is in progress.
 * - `live`: the rollout is available and serves traffic at its URL.
 * - `failed`: the build or rollout failed; `reason` says why.
 * - `cancelled`: a user cancelled the deployment before it finished.
 * - `superseded`: a newer deployment of the same app replaced this one.
 *
 * @public
 */
export type DeploymentStatus =
  | 'queued'
  | 'building'
  | 'built'
  | 'deploying'
  | 'live'
  | 'failed'
  | 'cancelled'
  | 'superseded';

/**
 * Every deployment status, in rank order (see {@link deploymentStatusRank}).
 *
 * @public
 */
export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = Object.freeze([
  'queued',
  'building',
  'built',
  'deploying',
  'live',
  'failed',
  'cancelled',
  'superseded',
] as const);

/**
 * Statuses after which the deployment pipeline does no more work: a
 * deployment that reached one of these has an outcome and a `finishedAt`.
 *
 * @public
 */
export const TERMINAL_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] =
  Object.freeze(['live', 'failed', 'cancelled', 'superseded'] as const);

const RANK: Readonly<Record<DeploymentStatus, number>> = Object.freeze({
  queued: 0,
  building: 1,
  built: 2,
  deploying: 3,
  live: 4,
  failed: 5,
  cancelled: 6,
  superseded: 7,
});

/**
 * Type guard for {@link DeploymentStatus}.
 *
 * @public
 */
export function isDeploymentStatus(value: unknown): value is DeploymentStatus {
  return (
    typeof value === 'string' &&
    Object.prototype.hasOwnProperty.call(RANK, value)
  );
}

/**
 * The rank of a status in the state machine. A deployment only ever moves to
 * a status of higher rank, which is what makes {@link foldStatus}
 * independent of the order in which reports arrive.
 *
 * Why this order: progress states follow the pipeline; `live` is the success
 * outcome; `failed` outranks `live` so that a rollout that breaks after it was
 * reported available is shown as failed; `cancelled` outranks `failed`
 * because killing a build often makes it fail too, and the user's intent is
 * the better explanation; `superseded` outranks everything because once a
 * newer deployment replaced this one, nothing reported about it matters.
 *
 * @public
 */
export function deploymentStatusRank(status: DeploymentStatus): number {
  return RANK[status];
}

/**
 * Whether the deployment has an outcome (`live`, `failed`, `cancelled` or
 * `superseded`) and the pipeline will do no more work for it.
 *
 * @public
 */
export function isTerminalStatus(status: DeploymentStatus): boolean {
  return (TERMINAL_DEPLOYMENT_STATUSES as readonly string[]).includes(status);
}

/**
 * Whether a deployment in status `from` may move to status `to`.
 *
 * A move is allowed exactly when `to` has a higher rank than `from`, so
 * steps may be skipped (`queued → deploying` for a redeploy of an existing
 * image, `queued → failed`) but never undone. Staying in the same status is
 * not a transition (`canTransition(s, s)` is false), though a later report of
 * the same status may still update its reason or message.
 *
 * @public
 */
export function canTransition(
  from: DeploymentStatus,
  to: DeploymentStatus,
): boolean {
  return RANK[to] > RANK[from];
}
