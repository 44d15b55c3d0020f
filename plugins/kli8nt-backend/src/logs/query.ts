import { InputError } from '@backstage/errors';
import {
  LogStreamQuery,
  logStreamQuerySchema,
  parseInput,
  timestampSchema,
  uuidSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { LogReplayFrom } from '@kli8nt/backstage-plugin-kli8nt-node';
import { z } from 'zod/v4';

const CURSOR = /^\d{1,6}:\d{1,19}(,\d{1,6}:\d{1,19})*$/;
const OFFSET = /^\d{1,19}$/;

// The shared query plus resume positions. `deployment` is accepted as a
// short alias of `deploymentId`.
const querySchema = logStreamQuerySchema.extend({
  deployment: uuidSchema.optional(),
  since: timestampSchema.optional(),
  offset: z
    .string()
    .max(512)
    .refine(v => CURSOR.test(v) || OFFSET.test(v), {
      message: 'must be a cursor from a frame (p:o,…) or a decimal offset',
    })
    .optional(),
  cursor: z
    .string()
    .max(512)
    .regex(CURSOR, 'must be a cursor from a frame (p:o,…)')
    .optional(),
});

export interface LogStreamRequest {
  entityRef: string;
  deploymentId?: string;
  source?: LogStreamQuery['source'];
  from: LogReplayFrom;
}

/**
 * Parses the query of the logs WebSocket. The start position is, in order
 * of preference: `cursor` (or `offset` given as a cursor) to resume after the
 * last frame received; `offset=N` to resume after offset N of partition 0;
 * `since` (ISO time); `tail` (newest lines, default 1000).
 */
export function parseLogStreamQuery(url: string | undefined): LogStreamRequest {
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) {
      throw new InputError(`Invalid query: ${key} is given twice`);
    }
    raw[key] = value;
  }
  const query = parseInput(querySchema, raw, 'query');
  if (
    query.deployment &&
    query.deploymentId &&
    query.deployment !== query.deploymentId
  ) {
    throw new InputError('Invalid query: deployment and deploymentId differ');
  }
  let from: LogReplayFrom;
  const cursor = query.cursor ?? query.offset;
  if (cursor && CURSOR.test(cursor)) {
    from = { cursor };
  } else if (cursor) {
    from = { cursor: `0:${BigInt(cursor) + 1n}` };
  } else if (query.since) {
    from = { sinceTime: query.since };
  } else {
    from = { tail: query.tail };
  }
  return {
    entityRef: query.entityRef,
    deploymentId: query.deploymentId ?? query.deployment,
    source: query.source,
    from,
  };
}
