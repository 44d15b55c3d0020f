// The logs stream protocol: log lines, the stream query, close reasons and codes.
import { z } from 'zod/v4';
import { entityRefSchema, timestampSchema, uuidSchema } from './validation';

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
  /** The user has `kli8nt.logs.maxConnectionsPerUser` log sockets open already. */
  tooManyConnections: 'too_many_connections',
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
  too_many_connections: 4429,
});

/**
 * The subprotocol prefix a browser uses to pass its Backstage token when
 * opening the logs WebSocket, since browsers cannot set headers on it:
 * `new WebSocket(url, [LOG_STREAM_TOKEN_PROTOCOL_PREFIX + token])`.
 *
 * @public
 */
export const LOG_STREAM_TOKEN_PROTOCOL_PREFIX = 'kli8nt.token.';
