// REST bodies of the deployments and branches endpoints; re-exports the rest.
import { z } from 'zod/v4';
import { deploymentStatusSchema } from './messageFields';
import {
  appNameSchema,
  clusterNameSchema,
  commitShaSchema,
  entityRefSchema,
  gitRefSchema,
  httpUrlSchema,
  imageDigestSchema,
  imageReferenceSchema,
  reasonCodeSchema,
  textSchema,
  timestampSchema,
  uuidSchema,
} from './validation';
import { processListSchema } from './buildPlan';
import { processReadinessListSchema } from './messagePayloads';
import { sourcePathSchema } from './sourcePath';

export * from './appSettingsApi';
export * from './logsApi';

// Request bodies are strict: an unknown field (usually a typo) is an error,
// not silently ignored. Response bodies are plain objects so that a newer
// backend may add fields without breaking an older frontend.

/**
 * Body of `POST /deployments`: deploy an entity, at `ref` (a branch, tag or
 * commit SHA) or else at the repository's default branch.
 *
 * @public
 */
export const createDeploymentRequestSchema = z.strictObject({
  entityRef: entityRefSchema,
  ref: gitRefSchema.optional(),
});

/**
 * Body of `POST /deployments`.
 *
 * @public
 */
export type CreateDeploymentRequest = z.output<
  typeof createDeploymentRequestSchema
>;

/**
 * What started a deployment.
 *
 * @public
 */
export const deploymentTriggerSchema = z.enum(
  ['manual', 'scaffolder', 'redeploy', 'rollback', 'config', 'push', 'preview'],
  {
    error:
      'must be one of manual, scaffolder, redeploy, rollback, config, push, preview',
  },
);

/**
 * What started a deployment.
 *
 * @public
 */
export type DeploymentTrigger = z.output<typeof deploymentTriggerSchema>;

/**
 * A deployment as the REST API returns it.
 *
 * @public
 */
export const deploymentSchema = z.object({
  id: uuidSchema,
  entityRef: entityRefSchema,
  app: appNameSchema,
  cluster: clusterNameSchema,
  /** The branch, tag or SHA the user asked for. */
  ref: gitRefSchema,
  commitSha: commitShaSchema,
  /** The subdirectory built (`kli8nt.io/source-path`); absent: the root. */
  sourcePath: sourcePathSchema.optional(),
  trigger: deploymentTriggerSchema,
  /** The request's place in the app's order (later requests win). */
  sequence: z.number().int().min(0).optional(),
  /**
   * Entity ref of the user, such as `user:default/jane`; for `push` and
   * `preview`, the GitHub login that pushed or opened the pull request, as
   * `github:<login>`.
   */
  requestedBy: textSchema(255),
  /** For `push`: the compare link of the push; for `preview`: the pull request. */
  triggerUrl: httpUrlSchema.optional(),
  image: imageReferenceSchema.optional(),
  imageDigest: imageDigestSchema.optional(),
  status: deploymentStatusSchema,
  url: httpUrlSchema.optional(),
  failureReason: reasonCodeSchema.optional(),
  failureMessage: textSchema(4096).optional(),
  /**
   * What the image runs, from its build's plan (also for redeploys,
   * rollbacks and settings changes, which copy an image): `web` is served
   * at the URL, each `worker` runs without one, `release` runs before each
   * rollout. Only in `GET /deployments/:id`. Absent there: not built yet,
   * or one web process running the image's own command.
   */
  processes: processListSchema.optional(),
  /**
   * How many pods of each web and worker process were ready when the deploy
   * controller last reported (`live` or `failed`): a snapshot of that
   * moment, not a live count. Only in `GET /deployments/:id`; absent until
   * reported.
   */
  readiness: processReadinessListSchema.optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  finishedAt: timestampSchema.optional(),
});

/**
 * A deployment as the REST API returns it.
 *
 * @public
 */
export type Deployment = z.output<typeof deploymentSchema>;

/**
 * One status change of a deployment, as recorded by the backend.
 *
 * @public
 */
export const deploymentEventSchema = z.object({
  /** The status report that caused it. */
  messageId: uuidSchema,
  status: deploymentStatusSchema,
  reason: reasonCodeSchema.optional(),
  message: textSchema(4096).optional(),
  /** When the controller observed it. */
  occurredAt: timestampSchema,
  /** When the backend recorded it. */
  receivedAt: timestampSchema,
});

/**
 * One status change of a deployment.
 *
 * @public
 */
export type DeploymentEvent = z.output<typeof deploymentEventSchema>;

/**
 * Response of `GET /deployments/:id/events`.
 *
 * @public
 */
export const deploymentEventListSchema = z.object({
  items: z.array(deploymentEventSchema),
});

/**
 * Response of `GET /deployments/:id/events`.
 *
 * @public
 */
export type DeploymentEventList = z.output<typeof deploymentEventListSchema>;

/**
 * A page of deployments, newest first. Pass `nextCursor` as `cursor` to get
 * the next page; it is absent on the last page.
 *
 * @public
 */
export const deploymentPageSchema = z.object({
  items: z.array(deploymentSchema),
  nextCursor: z.string().max(512).optional(),
});

/**
 * A page of deployments, newest first.
 *
 * @public
 */
export type DeploymentPage = z.output<typeof deploymentPageSchema>;

/**
 * Largest page size of `GET /deployments`.
 *
 * @public
 */
export const MAX_PAGE_SIZE = 100;

/**
 * Query of `GET /deployments`: the deployments of one entity. `limit` is
 * parsed from its query-string form (default 20, at most 100).
 *
 * @public
 */
export const listDeploymentsQuerySchema = z.strictObject({
  entityRef: entityRefSchema,
  cursor: z
    .string()
    .max(512, 'must be at most 512 characters')
    .regex(/^[A-Za-z0-9_=-]+$/, 'must be a cursor returned by the API')
    .optional(),
  limit: z
    .union([
      z.number(),
      z.string().max(4).regex(/^\d+$/, 'must be a whole number'),
    ])
    .transform(v => Number(v))
    .pipe(
      z
        .number()
        .int('must be an integer')
        .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
        .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`),
    )
    .default(20),
});

/**
 * Query of `GET /deployments`.
 *
 * @public
 */
export type ListDeploymentsQuery = z.output<typeof listDeploymentsQuerySchema>;

/**
 * Body of `POST /deployments/:id/redeploy`: roll out the image of deployment
 * `:id` again as a new deployment. `rollback` marks that `:id` is older
 * than the app's current deployment; the default is `redeploy`.
 *
 * @public
 */
export const redeployRequestSchema = z.strictObject({
  reason: z
    .enum(['redeploy', 'rollback'], {
      error: 'must be redeploy or rollback',
    })
    .default('redeploy'),
});

/**
 * Body of `POST /deployments/:id/redeploy`.
 *
 * @public
 */
export type RedeployRequest = z.output<typeof redeployRequestSchema>;

/**
 * A branch of the entity's repository.
 *
 * @public
 */
export const branchSchema = z.object({
  name: gitRefSchema,
  commitSha: commitShaSchema,
  isDefault: z.boolean(),
});

/**
 * A branch of the entity's repository.
 *
 * @public
 */
export type Branch = z.output<typeof branchSchema>;

/**
 * Response of `GET /branches?entityRef=…`.
 *
 * @public
 */
export const branchListSchema = z.object({
  items: z.array(branchSchema),
});

/**
 * Response of `GET /branches`.
 *
 * @public
 */
export type BranchList = z.output<typeof branchListSchema>;
