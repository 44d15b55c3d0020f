import { z } from 'zod/v4';
import { utf8ByteLength } from './text';

// An app's environment variables, plain and sealed, and their limits.

/**
 * An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 128
 * characters.
 *
 * @public
 */
export const envNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must be an environment variable name: letters, digits and _, not starting with a digit',
  );

/**
 * Most environment variables (plain and secret together) one app may have.
 *
 * @public
 */
export const MAX_ENV_VARS = 200;

/**
 * Largest value of one environment variable, in UTF-8 bytes (32 KiB).
 *
 * @public
 */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;

/**
 * Largest total of all environment variable values of one app, in UTF-8
 * bytes (512 KiB), so that they fit one Kubernetes Secret (1 MiB) with room
 * for encoding.
 *
 * @public
 */
export const MAX_ENV_TOTAL_BYTES = 512 * 1024;

/**
 * The value of an environment variable: any text without NUL bytes (a
 * process environment cannot hold them), at most 32 KiB of UTF-8.
 *
 * @public
 */
export const envValueSchema = z
  .string()
  .max(MAX_ENV_VALUE_BYTES, 'must be at most 32 KiB')
  .refine(v => !v.includes('\u0000'), 'must not contain NUL bytes')
  .refine(
    v => utf8ByteLength(v) <= MAX_ENV_VALUE_BYTES,
    'must be at most 32 KiB',
  );

/**
 * A value sealed by kli8nt-node (AES-256-GCM):
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>`, each part base64url.
 *
 * @public
 */
export const sealedValueSchema = z
  .string()
  .max(48 * 1024, 'must be at most 48 KiB')
  .regex(
    /^v1\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]*$/,
    'must be a sealed value v1.<keyId>.<iv>.<tag>.<ciphertext>',
  );

/**
 * A record with bounded size whose keys pass `keySchema`.
 *
 * @internal
 */
export function boundedRecord<V extends z.ZodType>(
  keySchema: z.ZodType<string>,
  valueSchema: V,
  maxEntries: number,
) {
  return z
    .record(keySchema, valueSchema)
    .refine(
      r => Object.keys(r).length <= maxEntries,
      `must have at most ${maxEntries} entries`,
    );
}
