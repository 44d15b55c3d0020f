import { z } from 'zod/v4';
import {
  deploymentStatusSchema,
  domainListSchema,
  envMapSchema,
  resourceQuantitySchema,
} from './messages';
import {
  MAX_ENV_VARS,
  appNameSchema,
  boundedRecord,
  clusterNameSchema,
  commitShaSchema,
  entityRefSchema,
  envNameSchema,
  envValueSchema,
  gitRefSchema,
  httpUrlSchema,
  imageDigestSchema,
  imageReferenceSchema,
  reasonCodeSchema,
  textSchema,
  timestampSchema,
  urlPathSchema,
  uuidSchema,
} from './validation';

// Request bodies are strict: an unknown field (usually a typo) is an error,
// not silently ignored. Response bodies are plain objects so that a newer
// backend may add fields without breaking an older frontend.

const portSchema = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const replicasSchema = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must be between 0 and 20')
  .max(20, 'must be between 0 and 20');

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
  ['manual', 'scaffolder', 'redeploy', 'rollback', 'config'],
  { error: 'must be one of manual, scaffolder, redeploy, rollback, config' },
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
  trigger: deploymentTriggerSchema,
  /** The request's place in the app's order (later requests win). */
  sequence: z.number().int().min(0).optional(),
  /** Entity ref of the user, such as `user:default/jane`. */
  requestedBy: textSchema(255),
  image: imageReferenceSchema.optional(),
  imageDigest: imageDigestSchema.optional(),
  status: deploymentStatusSchema,
  url: httpUrlSchema.optional(),
  failureReason: reasonCodeSchema.optional(),
  failureMessage: textSchema(4096).optional(),
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
 * The settings of an app as the REST API returns them. Secret values are
 * write-only: only their names are ever returned.
 *
 * @public
 */
export const appSettingsSchema = z.object({
  entityRef: entityRefSchema,
  app: appNameSchema,
  port: portSchema,
  replicas: replicasSchema,
  healthCheckPath: urlPathSchema.optional(),
  domains: domainListSchema,
  env: envMapSchema,
  secretEnvNames: z.array(envNameSchema).max(MAX_ENV_VARS),
  resources: z
    .object({
      cpu: resourceQuantitySchema.optional(),
      memory: resourceQuantitySchema.optional(),
    })
    .optional(),
  updatedAt: timestampSchema.optional(),
  /**
   * Optimistic concurrency: send it back with the update; a save over a
   * newer version is refused with 409. 0 while nothing was saved.
   */
  version: z.number().int().min(0).optional(),
});

/**
 * The settings of an app; secret values are never returned.
 *
 * @public
 */
export type AppSettings = z.output<typeof appSettingsSchema>;

/**
 * Body of `PUT /apps/settings?entityRef=…`. Every field is optional; an
 * absent field keeps its current value.
 *
 * - `env` replaces all plain variables at once.
 * - `secretEnv` is a patch, because secret values cannot be read back: a
 *   string sets (or replaces) the secret, `null` deletes it, an absent name
 *   keeps it.
 * - `healthCheckPath: null` and `resources: null` clear those settings.
 *
 * A name may not be in both `env` and `secretEnv` (with a value).
 *
 * `version` is the `version` the client read. When given, the save is
 * refused with 409 if someone saved in between; when absent, there is no
 * check (older clients).
 *
 * @public
 */
export const updateAppSettingsRequestSchema = z
  .strictObject({
    version: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .optional(),
    port: portSchema.optional(),
    replicas: replicasSchema.optional(),
    healthCheckPath: urlPathSchema.nullable().optional(),
    domains: domainListSchema.optional(),
    env: envMapSchema.optional(),
    secretEnv: boundedRecord(
      envNameSchema,
      envValueSchema.nullable(),
      MAX_ENV_VARS,
    ).optional(),
    resources: z
      .strictObject({
        cpu: resourceQuantitySchema.optional(),
        memory: resourceQuantitySchema.optional(),
      })
      .nullable()
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (!body.env || !body.secretEnv) return;
    for (const [name, value] of Object.entries(body.secretEnv)) {
      if (
        value !== null &&
        Object.prototype.hasOwnProperty.call(body.env, name)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['secretEnv', name],
          message: 'must not also be set in env',
        });
      }
    }
  });

/**
 * Body of `PUT /apps/settings`.
 *
 * @public
 */
export type UpdateAppSettingsRequest = z.output<
  typeof updateAppSettingsRequestSchema
>;

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

/**
 * Where a log line came from.
 *
 * @public
 */
export const logSourceSchema = z.enum(['build', 'runtime'], {
  error: 'must be build or runtime',
});

/**
 * Where a log line came from.
 *
 * @public
 */
export type LogSource = z.output<typeof logSourceSchema>;

/**
 * Longest log line kept, in characters; longer lines are cut by the log
 * controller.
 *
 * @public
 */
export const MAX_LOG_LINE_LENGTH = 64 * 1024;

/**
 * One log line, as one WebSocket text frame (JSON). `offset` is the Kafka
 * offset as a decimal string (64-bit), unique within `partition`.
 *
 * @public
 */
export const logLineSchema = z.object({
  offset: z
    .string()
    .max(20, 'must be a decimal offset')
    .regex(/^\d+$/, 'must be a decimal offset'),
  partition: z.number().int().min(0).optional(),
  timestamp: timestampSchema,
  source: logSourceSchema,
  pod: z.string().max(253, 'must be at most 253 characters'),
  container: z.string().max(253, 'must be at most 253 characters'),
  deploymentId: uuidSchema.optional(),
  line: z
    .string()
    .max(
      MAX_LOG_LINE_LENGTH,
      `must be at most ${MAX_LOG_LINE_LENGTH} characters`,
    ),
});

/**
 * One log line on the logs WebSocket.
 *
 * @public
 */
export type LogLine = z.output<typeof logLineSchema>;

/**
 * Query of the logs WebSocket (`/logs/stream?entityRef=…`): which lines to
 * replay before following live ones. Numbers come as query-string digits.
 *
 * @public
 */
export const logStreamQuerySchema = z.strictObject({
  entityRef: entityRefSchema,
  source: logSourceSchema.optional(),
  deploymentId: uuidSchema.optional(),
  /** Replay at most this many of the newest lines first (default 1000). */
  tail: z
    .union([
      z.number(),
      z.string().max(6).regex(/^\d+$/, 'must be a whole number'),
    ])
    .transform(v => Number(v))
    .pipe(
      z
        .number()
        .int('must be an integer')
        .min(0, 'must be between 0 and 100000')
        .max(100000, 'must be between 0 and 100000'),
    )
    .default(1000),
});

/**
 * Query of the logs WebSocket.
 *
 * @public
 */
export type LogStreamQuery = z.output<typeof logStreamQuerySchema>;

/**
 * Machine-readable reasons with which the server closes (or refuses) the
 * logs WebSocket.
 *
 * @public
 */
export const LOG_STREAM_CLOSE_REASONS = Object.freeze({
  missingToken: 'missing_token',
  invalidToken: 'invalid_token',
  notAllowed: 'not_allowed',
  notFound: 'not_found',
  invalidRequest: 'invalid_request',
  internal: 'internal',
  shuttingDown: 'shutting_down',
} as const);

/**
 * A reason from {@link LOG_STREAM_CLOSE_REASONS}.
 *
 * @public
 */
export type LogStreamCloseReason =
  (typeof LOG_STREAM_CLOSE_REASONS)[keyof typeof LOG_STREAM_CLOSE_REASONS];

/**
 * WebSocket close codes (4000–4999 are for applications) that go with each
 * close reason. A client should not reconnect after 4400, 4401, 4403 or
 * 4404; it may reconnect after 1011 and 1012.
 *
 * @public
 */
export const LOG_STREAM_CLOSE_CODES: Readonly<
  Record<LogStreamCloseReason, number>
> = Object.freeze({
  missing_token: 4401,
  invalid_token: 4401,
  not_allowed: 4403,
  not_found: 4404,
  invalid_request: 4400,
  internal: 1011,
  shutting_down: 1012,
});

/**
 * The subprotocol prefix a browser uses to pass its Backstage token when
 * opening the logs WebSocket, since browsers cannot set headers on it:
 * `new WebSocket(url, [LOG_STREAM_TOKEN_PROTOCOL_PREFIX + token])`.
 *
 * @public
 */
export const LOG_STREAM_TOKEN_PROTOCOL_PREFIX = 'kli8nt.token.';
