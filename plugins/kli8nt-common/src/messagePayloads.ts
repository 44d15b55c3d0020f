// Payload schemas of the five queue message types.
import { z } from 'zod/v4';
import {
  appConfigSchema,
  deploymentStatusSchema,
  repoSchema,
  sequenceSchema,
} from './messageFields';
import {
  appNameSchema,
  boundedRecord,
  clusterNameSchema,
  commitShaSchema,
  entityRefSchema,
  envNameSchema,
  gitRefSchema,
  httpUrlSchema,
  imageDigestSchema,
  imageReferenceSchema,
  reasonCodeSchema,
  repoPathSchema,
  sealedValueSchema,
  textSchema,
} from './validation';
import { processListSchema, processNameSchema } from './buildPlan';
import { sourcePathSchema } from './sourcePath';

/**
 * Payload of `BuildRequested`: build this commit of this repository into an
 * image for `app`.
 *
 * @public
 */
export const buildRequestedPayloadSchema = z.object({
  app: appNameSchema,
  entityRef: entityRefSchema,
  cluster: clusterNameSchema,
  repo: repoSchema,
  revision: commitShaSchema,
  ref: gitRefSchema,
  /**
   * The build context inside the repository (`kli8nt.io/source-path`,
   * normalized); absent means the repository root.
   */
  sourcePath: sourcePathSchema.optional(),
  dockerfilePath: repoPathSchema.optional(),
  buildArgs: boundedRecord(envNameSchema, textSchema(4096), 100).default({}),
  /**
   * The clone token (a GitHub App installation token scoped to this one
   * repository, `contents: read`), sealed by kli8nt-node's `sealCloneToken`
   * for this deployment and repository: the broker only ever holds
   * ciphertext. Absent for repositories that clone anonymously.
   */
  sealedCloneToken: sealedValueSchema.optional(),
  config: appConfigSchema,
});

/**
 * Zod schema for what stack detection decided: the stack, the port the
 * generated image listens on and the app's processes (absent: one web
 * process running the image's command).
 *
 * @public
 */
export const buildPlanReportSchema = z.object({
  stack: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase stack id'),
  port: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535'),
  processes: processListSchema.optional(),
});

/**
 * What stack detection decided, as the build role reports it.
 *
 * @public
 */
export type BuildPlanReport = z.output<typeof buildPlanReportSchema>;

/**
 * Why an image is rolled out: a build of it finished, or an existing image
 * is deployed again.
 *
 * @public
 */
export const deployReasonSchema = z.enum(
  ['build', 'redeploy', 'rollback', 'config'],
  {
    error: 'must be one of build, redeploy, rollback, config',
  },
);

/**
 * Payload of `DeployRequested`: roll out this image with these settings. The
 * portal sends it when a build it still wants finished, and for redeploys,
 * rollbacks and settings changes.
 *
 * @public
 */
export const deployRequestedPayloadSchema = z.object({
  app: appNameSchema,
  entityRef: entityRefSchema,
  cluster: clusterNameSchema,
  image: imageReferenceSchema,
  imageDigest: imageDigestSchema,
  revision: commitShaSchema.optional(),
  reason: deployReasonSchema,
  config: appConfigSchema,
  /** The decision's place in the app's order; absent (0) in version 1. */
  sequence: sequenceSchema.default(0),
  /**
   * What the image runs, from its build's plan: `web` is exposed, each
   * `worker` gets a Deployment of its own, `release` runs as a Job before
   * the rollout. Absent: one web process running the image's command.
   */
  processes: processListSchema.optional(),
});

/**
 * Payload of `DeleteRequested`: remove the app and everything it owns.
 *
 * @public
 */
export const deleteRequestedPayloadSchema = z.object({
  app: appNameSchema,
  cluster: clusterNameSchema,
  /** The delete's place in the app's order: the tombstone nothing older crosses. */
  sequence: sequenceSchema.default(0),
});

/**
 * Payload of `CancelRequested`: stop work on the envelope's deployment.
 *
 * @public
 */
export const cancelRequestedPayloadSchema = z.object({
  app: appNameSchema,
  cluster: clusterNameSchema,
});

const podCountSchema = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must be between 0 and 1000')
  .max(1000, 'must be between 0 and 1000');

/**
 * Zod schema for the pods of one long-running process (web or worker) as
 * its Deployment counted them when the report was made: `ready` is the
 * Deployment's `readyReplicas` (old and new pods alike, as READY in
 * `kubectl get deployment`), `desired` its `spec.replicas`.
 *
 * @public
 */
export const processReadinessSchema = z.object({
  process: processNameSchema,
  ready: podCountSchema,
  desired: podCountSchema,
});

/**
 * How many pods of one long-running process were ready, of how many wanted.
 *
 * @public
 */
export type ProcessReadiness = z.output<typeof processReadinessSchema>;

/**
 * Zod schema for the readiness of each web and worker process, one entry
 * per process.
 *
 * @public
 */
export const processReadinessListSchema = z
  .array(processReadinessSchema)
  .max(16)
  .refine(
    rs => new Set(rs.map(r => r.process)).size === rs.length,
    'one entry per process',
  );

/**
 * Payload of `StatusReport`: a controller's observation of a deployment.
 *
 * @public
 */
export const statusReportPayloadSchema = z.object({
  app: appNameSchema,
  cluster: clusterNameSchema,
  status: deploymentStatusSchema,
  /** Machine code such as `ImagePullBackOff`. */
  reason: reasonCodeSchema.optional(),
  /** For humans; may contain any text. */
  message: textSchema(4096).optional(),
  url: httpUrlSchema.optional(),
  image: imageReferenceSchema.optional(),
  imageDigest: imageDigestSchema.optional(),
  /** With `built`: what stack detection decided (generated Dockerfiles). */
  plan: buildPlanReportSchema.optional(),
  /**
   * With the deploy role's `live` and `failed`: how many pods of each web
   * and worker process were ready then. Absent from older controllers and
   * when no Deployment was applied (a refused or failed release).
   */
  readiness: processReadinessListSchema.optional(),
  /**
   * Who observed or decided it: a controller (`build`, `deploy`) or the
   * portal's ledger (`portal`: superseded, cancelled, app deleted).
   */
  source: z.enum(['build', 'deploy', 'portal'], {
    error: 'must be build, deploy or portal',
  }),
});
