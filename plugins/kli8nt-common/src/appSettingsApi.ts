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
  entityRefSchema,
  envNameSchema,
  envValueSchema,
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
