// Message envelopes, their union, parseMessage and createMessage.
import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';
import {
  buildRequestedPayloadSchema,
  cancelRequestedPayloadSchema,
  deleteRequestedPayloadSchema,
  deployRequestedPayloadSchema,
  statusReportPayloadSchema,
} from './messagePayloads';
import {
  formatValidationError,
  timestampSchema,
  utf8ByteLength,
  uuidSchema,
} from './validation';

export * from './messageFields';
export * from './messagePayloads';

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
export type Kli8ntPayloadInput<T extends Kli8ntMessageType> = Extract<
  z.input<typeof kli8ntMessageSchema>,
  { type: T }
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
  /** The deployment the message is about. */
  deploymentId: string;
  /** The payload of a message of type `T`, as a producer writes it. */
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
