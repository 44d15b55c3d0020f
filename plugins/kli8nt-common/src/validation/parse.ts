import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';

// Validating input against a schema, with one-line errors that name each
// failing field.

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const k = String(key);
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) out += out ? `.${k}` : k;
      else
        out += `[${JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k)}]`;
    }
  }
  return out || '(root)';
}

/**
 * Renders a zod error as one line that names each failing field, such as
 * `payload.repo.cloneUrl: must use https; payload.revision: Required`.
 * At most five issues are listed.
 *
 * @public
 */
export function formatValidationError(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map(issue => {
    const path = formatPath(issue.path);
    if (issue.code === 'invalid_union' && 'errors' in issue) {
      // A discriminated union that matched no member: show its first branch.
      return `${path}: ${issue.message}`;
    }
    if (issue.code === 'invalid_key' && 'issues' in issue) {
      const inner = (issue.issues as z.core.$ZodIssue[])[0];
      return `${path}: invalid key: ${inner?.message ?? issue.message}`;
    }
    return `${path}: ${issue.message}`;
  });
  const more =
    error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return issues.join('; ') + more;
}

/**
 * Result of {@link safeParseInput}.
 *
 * @public
 */
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: string };

/**
 * Validates `input` against `schema`; the error names every failing field.
 *
 * @public
 */
export function safeParseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
): ParseResult<z.output<T>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: formatValidationError(result.error) };
}

/**
 * Validates `input` against `schema` and returns the parsed value, or throws
 * an `InputError` (HTTP 400 in Backstage backends) whose message names every
 * failing field, prefixed by `what` when given.
 *
 * @public
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what?: string,
): z.output<T> {
  const result = safeParseInput(schema, input);
  if (result.ok) return result.value;
  throw new InputError(
    what ? `Invalid ${what}: ${result.error}` : result.error,
  );
}
