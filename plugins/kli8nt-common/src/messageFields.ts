// Field schemas shared by message payloads: sequence, status, app config, repo.
import { z } from 'zod/v4';
import { DEPLOYMENT_STATUSES, DeploymentStatus } from './status';
import {
  boundedRecord,
  cloneUrlSchema,
  dnsNameSchema,
  envNameSchema,
  envValueSchema,
  githubOwnerSchema,
  githubRepoNameSchema,
  MAX_ENV_TOTAL_BYTES,
  MAX_ENV_VARS,
  sealedValueSchema,
  urlPathSchema,
  utf8ByteLength,
} from './validation';

/**
 * Zod schema for a per-app sequence number: assigned by the portal, one
 * counter per app name, increasing with every decision (see the backend
 * README). Controllers never apply a lower one over a higher one.
 *
 * @public
 */
export const sequenceSchema = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer');

/**
 * Zod schema for {@link DeploymentStatus}.
 *
 * @public
 */
export const deploymentStatusSchema = z.enum(
  DEPLOYMENT_STATUSES as [DeploymentStatus, ...DeploymentStatus[]],
  { error: `must be one of ${DEPLOYMENT_STATUSES.join(', ')}` },
);

/**
 * A Kubernetes resource quantity such as `500m`, `1`, `0.5` or `512Mi`.
 *
 * @public
 */
export const resourceQuantitySchema = z
  .string()
  .max(32, 'must be at most 32 characters')
  .regex(
    /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
    'must be a Kubernetes quantity such as 500m or 512Mi',
  );

/**
 * Most custom domains one app may have.
 *
 * @public
 */
export const MAX_DOMAINS = 20;

/**
 * Zod schema for a list of custom domains: unique DNS names, at most
 * {@link MAX_DOMAINS}.
 *
 * @public
 */
export const domainListSchema = z
  .array(dnsNameSchema)
  .max(MAX_DOMAINS, `must have at most ${MAX_DOMAINS} entries`)
  .refine(d => new Set(d).size === d.length, 'must not contain duplicates');

/**
 * Zod schema for plain environment variables of an app.
 *
 * @public
 */
export const envMapSchema = boundedRecord(
  envNameSchema,
  envValueSchema,
  MAX_ENV_VARS,
).refine(
  env =>
    Object.values(env).reduce((n, v) => n + utf8ByteLength(v), 0) <=
    MAX_ENV_TOTAL_BYTES,
  'values must total at most 512 KiB',
);

/**
 * Zod schema for sealed secret environment variables of an app.
 *
 * @public
 */
export const sealedEnvMapSchema = boundedRecord(
  envNameSchema,
  sealedValueSchema,
  MAX_ENV_VARS,
);

/**
 * Zod schema for {@link AppConfig}.
 *
 * @public
 */
export const appConfigSchema = z
  .object({
    port: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .default(8080),
    replicas: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be between 0 and 20')
      .max(20, 'must be between 0 and 20')
      .default(1),
    healthCheckPath: urlPathSchema.optional(),
    domains: domainListSchema.default([]),
    env: envMapSchema.default({}),
    secretEnv: sealedEnvMapSchema.default({}),
    resources: z
      .object({
        cpu: resourceQuantitySchema.optional(),
        memory: resourceQuantitySchema.optional(),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const names = Object.keys(config.env);
    const secretNames = Object.keys(config.secretEnv);
    for (const name of secretNames) {
      if (Object.prototype.hasOwnProperty.call(config.env, name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['secretEnv', name],
          message: 'must not also be set in env',
        });
      }
    }
    if (names.length + secretNames.length > MAX_ENV_VARS) {
      ctx.addIssue({
        code: 'custom',
        path: ['env'],
        message: `env and secretEnv must have at most ${MAX_ENV_VARS} entries together`,
      });
    }
  });

/**
 * How an app runs: port, replicas, health check, custom domains, plain and
 * sealed environment variables, resources. Carried by every message that
 * leads to a rollout, so a controller never needs the portal's database.
 *
 * @public
 */
export type AppConfig = z.output<typeof appConfigSchema>;

/**
 * A GitHub repository to clone.
 *
 * @public
 */
export const repoSchema = z.object({
  owner: githubOwnerSchema,
  name: githubRepoNameSchema,
  cloneUrl: cloneUrlSchema,
});
