// REST bodies of the app settings endpoints (GET and PUT /apps/settings).
import { z } from 'zod/v4';
import {
  domainListSchema,
  envMapSchema,
  resourceQuantitySchema,
} from './messageFields';
import {
  MAX_ENV_VARS,
  appNameSchema,
  boundedRecord,
  dnsNameSchema,
  entityRefSchema,
  envNameSchema,
  envValueSchema,
  gitRefSchema,
  timestampSchema,
  urlPathSchema,
} from './validation';

// Strict request, plain response: the rule is explained in api.ts.

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
 * Whether a custom domain routes to the app. `pending` until the app's
 * owners create `record` in their DNS and verify it
 * (`POST /apps/domains/verify`); only `verified` domains reach the cluster.
 * `reason` says why the last check did not verify it.
 *
 * @public
 */
export const domainStateSchema = z.object({
  domain: dnsNameSchema,
  status: z.enum(['verified', 'pending']),
  record: z
    .object({ name: z.string(), type: z.literal('TXT'), value: z.string() })
    .optional(),
  reason: z.string().optional(),
});

/**
 * The state of one custom domain of an app.
 *
 * @public
 */
export type DomainState = z.output<typeof domainStateSchema>;

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
  /** Each of `domains` with its verification (absent: older backends). */
  domainStates: z.array(domainStateSchema).optional(),
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
 * How many previews an app may run at once unless its settings say otherwise.
 *
 * @public
 */
export const DEFAULT_PREVIEW_LIMIT = 3;

/**
 * The git-driven settings of an app (`GET /apps/git-settings`): the branch
 * whose pushes deploy (absent: auto-deploy off) and the pull request
 * previews.
 *
 * @public
 */
export const gitSettingsSchema = z.object({
  entityRef: entityRefSchema,
  app: appNameSchema,
  /** Pushes to this branch deploy its head commit; absent: off. */
  autoDeployBranch: gitRefSchema.optional(),
  previews: z.object({
    enabled: z.boolean(),
    /** Concurrent previews; opening one more stops the oldest. */
    limit: z.number().int().min(1).max(20),
    /** Previews get the app's secrets (never a pull request from a fork). */
    secrets: z.boolean(),
  }),
});

/**
 * The git-driven settings of an app.
 *
 * @public
 */
export type GitSettings = z.output<typeof gitSettingsSchema>;

/**
 * Body of `PUT /apps/git-settings?entityRef=…`: absent fields keep their
 * value; `autoDeployBranch: null` turns auto-deploy off.
 *
 * @public
 */
export const updateGitSettingsRequestSchema = z.strictObject({
  autoDeployBranch: gitRefSchema.nullable().optional(),
  previews: z
    .strictObject({
      enabled: z.boolean({ error: 'must be true or false' }).optional(),
      limit: z
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .min(1, 'must be between 1 and 20')
        .max(20, 'must be between 1 and 20')
        .optional(),
      secrets: z.boolean({ error: 'must be true or false' }).optional(),
    })
    .optional(),
});

/**
 * Body of `PUT /apps/git-settings`.
 *
 * @public
 */
export type UpdateGitSettingsRequest = z.output<
  typeof updateGitSettingsRequestSchema
>;

/**
 * A live pull request preview (`GET /apps/previews`).
 *
 * @public
 */
export const previewSchema = z.object({
  app: appNameSchema,
  pullRequest: z.number().int().positive(),
  pullRequestUrl: z.string(),
  headRef: z.string(),
  commitSha: z.string(),
  fromFork: z.boolean(),
  status: z.string().optional(),
  url: z.string().optional(),
  updatedAt: timestampSchema,
});

/**
 * A live pull request preview.
 *
 * @public
 */
export type Preview = z.output<typeof previewSchema>;
