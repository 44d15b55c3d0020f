import { z } from 'zod/v4';

// Free text for humans and the standard formats (reason codes, timestamps,
// UUIDs, URLs).

/** Control characters other than tab, newline and carriage return. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0x7f
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Bytes of the UTF-8 encoding of a string, without allocating it.
 *
 * @internal
 */
export function utf8ByteLength(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Free text for humans (messages, descriptions): any Unicode, newlines and
 * tabs allowed, other control characters (NUL included) rejected.
 *
 * @public
 */
export function textSchema(maxLength: number) {
  return z
    .string()
    .max(maxLength, `must be at most ${maxLength} characters`)
    .refine(
      v => !hasControlCharacter(v),
      'must not contain control characters',
    );
}

/**
 * A machine-readable reason code such as `ImagePullBackOff` or
 * `NoStackDetected`.
 *
 * @public
 */
export const reasonCodeSchema = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(
    /^[A-Za-z][A-Za-z0-9_.:-]*$/,
    'must be a reason code (letters, digits, _ . : -, starting with a letter)',
  );

/**
 * An ISO 8601 timestamp with a time zone, such as `2024-05-01T12:00:00.000Z`.
 *
 * @public
 */
export const timestampSchema = z
  .string()
  .max(64, 'must be an ISO 8601 timestamp')
  .refine(
    v =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(
        v,
      ) && !Number.isNaN(Date.parse(v)),
    'must be an ISO 8601 timestamp with time zone such as 2024-05-01T12:00:00Z',
  );

/**
 * A UUID (any version), lowercase or uppercase hex with dashes.
 *
 * @public
 */
export const uuidSchema = z
  .string()
  .max(36, 'must be a UUID')
  .regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    'must be a UUID',
  );

/**
 * A URL path starting with `/`, such as a health check path; at most 1024
 * printable ASCII characters, no spaces.
 *
 * @public
 */
export const urlPathSchema = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(
    /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/,
    'must be a URL path starting with / (printable ASCII, no spaces)',
  );

/**
 * An `http(s)` URL at most 2048 characters long, such as an app's public URL.
 *
 * @public
 */
export const httpUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine(v => {
    if (!/^https?:\/\/[\x21-\x7e]+$/.test(v)) return false;
    try {
      const url = new URL(v);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');
