import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';
import { DEPLOYMENT_STATUSES, DeploymentStatus } from './status';
import {
  appNameSchema,
  boundedRecord,
  cloneUrlSchema,
  clusterNameSchema,
  commitShaSchema,
  dnsNameSchema,
  entityRefSchema,
  envNameSchema,
  envValueSchema,
  formatValidationError,
  githubOwnerSchema,
  githubRepoNameSchema,
  gitRefSchema,
  httpUrlSchema,
  imageDigestSchema,
  imageReferenceSchema,
  MAX_ENV_TOTAL_BYTES,
  MAX_ENV_VARS,
  reasonCodeSchema,
  repoPathSchema,
  sealedValueSchema,
  textSchema,
  timestampSchema,
  urlPathSchema,
  utf8ByteLength,
  uuidSchema,
} from './validation';

/**
 * The version of the message envelope this package writes.
 *
 * Version 2 (issue #16): the portal orchestrates. Builds report `built`
 * (with the plan) to INFORM instead of publishing `ImageBuilt`, and every
 * DeployRequested and DeleteRequested carries the app's `sequence`.
 * Version 1 messages still parse (a rolling upgrade drains them); their
 * missing `sequence` reads as 0, so they never cross a version 2 decision.
 *
 * @public
 */
export const MESSAGE_VERSION = 2;

/**
 * The envelope versions this package reads.
 *
 * @public
 */
export const SUPPORTED_MESSAGE_VERSIONS: readonly number[] = Object.freeze([
  1, 2,
]);

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
  dockerfilePath: repoPathSchema.optional(),
  buildArgs: boundedRecord(envNameSchema, textSchema(4096), 100).default({}),
  /** Short-lived token for cloning a private repository. Never log it. */
  cloneToken: z
    .string()
    .min(1, 'must not be empty')
    .max(4096, 'must be at most 4096 characters')
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be a token of letters, digits and _ . -')
    .optional(),
  config: appConfigSchema,
});

/**
 * Zod schema for what stack detection decided: the stack and the port the
 * generated image listens on.
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
});

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
   * Who observed or decided it: a controller (`build`, `deploy`) or the
   * portal's ledger (`portal`: superseded, cancelled, app deleted).
   */
  source: z.enum(['build', 'deploy', 'portal'], {
    error: 'must be build, deploy or portal',
  }),
});

function envelope<T extends string, P extends z.ZodType>(type: T, payload: P) {
  return z.object({
    type: z.literal(type),
    version: z.union([z.literal(1), z.literal(2)], {
      error: `must be one of ${SUPPORTED_MESSAGE_VERSIONS.join(', ')}`,
    }),
    messageId: uuidSchema,
    deploymentId: uuidSchema,
    occurredAt: timestampSchema,
    payload,
  });
}

/**
 * Zod schema for {@link BuildRequestedMessage}.
 *
 * @public
 */
export const buildRequestedMessageSchema = envelope(
  'BuildRequested',
  buildRequestedPayloadSchema,
);
/**
 * Zod schema for {@link DeployRequestedMessage}.
 *
 * @public
 */
export const deployRequestedMessageSchema = envelope(
  'DeployRequested',
  deployRequestedPayloadSchema,
);
/**
 * Zod schema for {@link DeleteRequestedMessage}.
 *
 * @public
 */
export const deleteRequestedMessageSchema = envelope(
  'DeleteRequested',
  deleteRequestedPayloadSchema,
);
/**
 * Zod schema for {@link CancelRequestedMessage}.
 *
 * @public
 */
export const cancelRequestedMessageSchema = envelope(
  'CancelRequested',
  cancelRequestedPayloadSchema,
);
/**
 * Zod schema for {@link StatusReportMessage}.
 *
 * @public
 */
export const statusReportMessageSchema = envelope(
  'StatusReport',
  statusReportPayloadSchema,
);

/**
 * Backend → build queue: build a commit.
 *
 * @public
 */
export type BuildRequestedMessage = z.output<
  typeof buildRequestedMessageSchema
>;
/**
 * Backend → deploy queue: roll out an image.
 *
 * @public
 */
export type DeployRequestedMessage = z.output<
  typeof deployRequestedMessageSchema
>;
/**
 * Backend → deploy queue: delete an app.
 *
 * @public
 */
export type DeleteRequestedMessage = z.output<
  typeof deleteRequestedMessageSchema
>;
/**
 * Backend → build and deploy queues: cancel a deployment.
 *
 * @public
 */
export type CancelRequestedMessage = z.output<
  typeof cancelRequestedMessageSchema
>;
/**
 * Controllers → INFORM: the status of a deployment.
 *
 * @public
 */
export type StatusReportMessage = z.output<typeof statusReportMessageSchema>;

/**
 * Any Kli8nt queue message, discriminated on `type`.
 *
 * @public
 */
export const kli8ntMessageSchema = z.discriminatedUnion(
  'type',
  [
    buildRequestedMessageSchema,
    deployRequestedMessageSchema,
    deleteRequestedMessageSchema,
    cancelRequestedMessageSchema,
    statusReportMessageSchema,
  ],
  {
    error: iss =>
      iss.code === 'invalid_union'
        ? 'must be one of BuildRequested, DeployRequested, DeleteRequested, CancelRequested, StatusReport'
        : undefined,
  },
);

/**
 * Any Kli8nt queue message.
 *
 * @public
 */
export type Kli8ntMessage = z.output<typeof kli8ntMessageSchema>;

/**
 * The `type` of a Kli8nt message.
 *
 * @public
 */
export type Kli8ntMessageType = Kli8ntMessage['type'];

/**
 * Every message type.
 *
 * @public
 */
export const KLI8NT_MESSAGE_TYPES: readonly Kli8ntMessageType[] = Object.freeze(
  [
    'BuildRequested',
    'DeployRequested',
    'DeleteRequested',
    'CancelRequested',
    'StatusReport',
  ] as const,
);

/**
 * The message of a given type.
 *
 * @public
 */
export type Kli8ntMessageOfType<T extends Kli8ntMessageType> = Extract<
  Kli8ntMessage,
  { type: T }
>;

/**
 * The payload as a producer writes it: fields with defaults (such as
 * `config.port`) may be left out.
 *
 * @public
 */
export type Kli8ntPayloadInput<T extends Kli8ntMessageType> = z.input<
  (typeof messageSchemas)[T]
>['payload'];

const messageSchemas = {
  BuildRequested: buildRequestedMessageSchema,
  DeployRequested: deployRequestedMessageSchema,
  DeleteRequested: deleteRequestedMessageSchema,
  CancelRequested: cancelRequestedMessageSchema,
  StatusReport: statusReportMessageSchema,
} as const;

/**
 * Largest encoded message accepted by {@link parseMessage} when given a
 * string or bytes (1 MiB).
 *
 * @public
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Result of {@link parseMessage}.
 *
 * @public
 */
export type ParseMessageResult =
  | { ok: true; message: Kli8ntMessage }
  | { ok: false; error: string };

/**
 * Validates a queue message. Accepts the decoded JSON value, or the raw body
 * as a string or bytes (decoded as UTF-8 JSON, at most
 * {@link MAX_MESSAGE_BYTES}). Never throws: an invalid message yields an
 * error that names the failing field path, ready to be dead-lettered.
 *
 * @public
 */
export function parseMessage(input: unknown): ParseMessageResult {
  let value = input;
  // ArrayBuffer.isView rather than instanceof Uint8Array: Buffers and arrays
  // from another realm (a worker, a test VM) are views too.
  if (
    typeof input === 'string' ||
    (ArrayBuffer.isView(input) && !(input instanceof DataView))
  ) {
    const size =
      typeof input === 'string' ? utf8ByteLength(input) : input.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      return { ok: false, error: `(root): message larger than 1 MiB` };
    }
    try {
      const text =
        typeof input === 'string'
          ? input
          : new TextDecoder('utf-8', { fatal: true }).decode(input);
      value = JSON.parse(text);
    } catch (error) {
      return {
        ok: false,
        error: `(root): not valid UTF-8 JSON (${(error as Error).message})`,
      };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: '(root): must be a JSON object' };
  }
  const { type, version } = value as { type?: unknown; version?: unknown };
  if (type === 'ImageBuilt') {
    return {
      ok: false,
      error:
        'type: ImageBuilt is no longer consumed (message version 1); builds report built to INFORM and the portal decides the rollout',
    };
  }
  if (
    version !== undefined &&
    typeof version === 'number' &&
    !SUPPORTED_MESSAGE_VERSIONS.includes(version)
  ) {
    return {
      ok: false,
      error: `version: unsupported message version ${version}, expected one of ${SUPPORTED_MESSAGE_VERSIONS.join(
        ', ',
      )}`,
    };
  }
  // Validate against the schema of the declared type so that errors name the
  // payload fields of that type rather than a failed union.
  const schema =
    typeof type === 'string' &&
    Object.prototype.hasOwnProperty.call(messageSchemas, type)
      ? messageSchemas[type as Kli8ntMessageType]
      : kli8ntMessageSchema;
  const result = schema.safeParse(value);
  if (result.success) {
    return { ok: true, message: result.data as Kli8ntMessage };
  }
  return { ok: false, error: formatValidationError(result.error) };
}

/**
 * Creates a message id (a random UUID v4) using the platform's Web Crypto.
 */
function randomUuid(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (!c?.randomUUID) {
    throw new Error('crypto.randomUUID is not available on this platform');
  }
  return c.randomUUID();
}

/**
 * Options for {@link createMessage}.
 *
 * @public
 */
export interface CreateMessageOptions<T extends Kli8ntMessageType> {
  deploymentId: string;
  payload: Kli8ntPayloadInput<T>;
  /** Defaults to a random UUID. Pass a deterministic id to make a retry idempotent. */
  messageId?: string;
  /** Defaults to now. */
  occurredAt?: string | Date;
}

/**
 * Builds a validated message envelope. Throws an `InputError` naming the
 * failing field if the payload is invalid, so an invalid message is never
 * published.
 *
 * @public
 */
export function createMessage<T extends Kli8ntMessageType>(
  type: T,
  options: CreateMessageOptions<T>,
): Kli8ntMessageOfType<T> {
  const occurredAt =
    options.occurredAt instanceof Date
      ? options.occurredAt.toISOString()
      : options.occurredAt ?? new Date().toISOString();
  const candidate = {
    type,
    version: MESSAGE_VERSION,
    messageId: options.messageId ?? randomUuid(),
    deploymentId: options.deploymentId,
    occurredAt,
    payload: options.payload,
  };
  const result = messageSchemas[type].safeParse(candidate);
  if (!result.success) {
    throw new InputError(
      `Invalid ${type} message: ${formatValidationError(result.error)}`,
    );
  }
  return result.data as Kli8ntMessageOfType<T>;
}
