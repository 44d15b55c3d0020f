import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';

// Every schema here bounds its length first, so a huge value fails cheaply
// with a size message before any regular expression looks at it.

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
 * An app name: an RFC 1035 label (lowercase letters, digits and `-`, at most
 * 63 characters, starting with a letter and not ending with `-`). That is a
 * DNS-1123 label which is also valid as a Kubernetes Service name.
 *
 * @public
 */
export const appNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, starting with a letter and not ending with -',
  );

/**
 * A cluster name, used in queue names such as `build.<cluster>`: a DNS-1123
 * label (lowercase letters, digits and `-`, at most 63 characters).
 *
 * @public
 */
export const clusterNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, not starting or ending with -',
  );

/**
 * A DNS host name (lowercase, no trailing dot, no wildcard), at most 253
 * characters with labels of at most 63.
 *
 * @public
 */
export const dnsNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a lowercase DNS name such as apps.example.com',
  );

/**
 * A full git commit SHA-1: 40 lowercase hexadecimal characters.
 *
 * @public
 */
export const commitShaSchema = z
  .string()
  .max(40, 'must be a 40-character lowercase hex commit SHA')
  .regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit SHA');

/**
 * An image digest: `sha256:` followed by 64 lowercase hex characters.
 *
 * @public
 */
export const imageDigestSchema = z
  .string()
  .max(71, 'must be sha256: followed by 64 lowercase hex characters')
  .regex(
    /^sha256:[0-9a-f]{64}$/,
    'must be sha256: followed by 64 lowercase hex characters',
  );

const IMAGE_NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_DOMAIN =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${IMAGE_DOMAIN}/)?${IMAGE_NAME_COMPONENT}(?:/${IMAGE_NAME_COMPONENT})*` +
    `(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

/**
 * A container image reference: `[registry[:port]/]path[:tag][@sha256:…]`, in
 * the grammar of the OCI distribution reference, at most 512 characters.
 *
 * @public
 */
export const imageReferenceSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters')
  .regex(
    IMAGE_REFERENCE,
    'must be an image reference such as registry.example.com/app@sha256:…',
  );

/**
 * A git ref or branch name that is safe to pass to git as an argument: at
 * most 255 characters of `A-Z a-z 0-9 . _ / + -`, following the rules of
 * `git check-ref-format` (no `..`, no `//`, no component starting with `.` or
 * ending with `.lock`, not starting with `-` or `/`, not ending with `/` or
 * `.`, not `@`).
 *
 * @public
 */
export const gitRefSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(
    /^[A-Za-z0-9._/+-]+$/,
    'must be a git ref: letters, digits and . _ / + - only',
  )
  .refine(
    v =>
      !v.startsWith('-') &&
      !v.startsWith('/') &&
      !v.endsWith('/') &&
      !v.endsWith('.') &&
      !v.includes('..') &&
      !v.includes('//') &&
      v !== '@' &&
      v
        .split('/')
        .every(part => !part.startsWith('.') && !part.endsWith('.lock')),
    'must be a valid git ref name (see git check-ref-format)',
  );

/**
 * A GitHub user or organization name: 1–39 letters, digits or single
 * hyphens, not starting or ending with a hyphen.
 *
 * @public
 */
export const githubOwnerSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(39, 'must be at most 39 characters')
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/,
    'must be a GitHub owner: letters, digits and single hyphens',
  );

/**
 * A GitHub repository name: 1–100 letters, digits, `.`, `_` or `-`, other than
 * `.` and `..`, and not starting with `-` (so it can never read as a
 * command-line option).
 *
 * @public
 */
export const githubRepoNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9._-]+$/,
    'must be a GitHub repository name: letters, digits and . _ -',
  )
  .refine(v => v !== '.' && v !== '..', 'must not be . or ..')
  .refine(v => !v.startsWith('-'), 'must not start with -');

/**
 * An https clone URL without credentials, query or fragment, such as
 * `https://github.com/acme/shop.git`.
 *
 * @public
 */
export const cloneUrlSchema = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    const problem = cloneUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function cloneUrlProblem(value: string): string | undefined {
  if (!/^https:\/\/[A-Za-z0-9.:[\]/_~%+-]+$/.test(value)) {
    return 'must be an https URL such as https://github.com/owner/repo.git';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL such as https://github.com/owner/repo.git';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.search || url.hash) return 'must not have a query or fragment';
  const segments = value.slice(`https://${url.host}`.length).split('/');
  if (segments.some(s => s === '.' || s === '..' || /%2e/i.test(s))) {
    return 'must not contain . or .. path segments';
  }
  if (url.pathname.split('/').filter(Boolean).length < 2) {
    return 'must name a repository path such as /owner/repo.git';
  }
  return undefined;
}

/**
 * A Dockerfile path relative to the repository root, without `.` or `..`
 * segments, not starting with `-`, at most 255 characters.
 *
 * @public
 */
export const repoPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
    'must be a relative path of letters, digits and . _ - separated by /',
  )
  .refine(
    v => v.split('/').every(part => part !== '.' && part !== '..'),
    'must not contain . or .. segments',
  )
  .refine(v => !v.startsWith('-'), 'must not start with -');

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

const ENTITY_KIND = /^[A-Za-z][A-Za-z0-9]*$/;
const ENTITY_NAMESPACE = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/i;
const ENTITY_NAME = /^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;

/**
 * A full entity reference `kind:namespace/name` following the catalog's
 * naming rules (kind letters and digits; namespace a DNS label; name
 * letters, digits and single `-` `_` `.` separators; each at most 63).
 *
 * @public
 */
export const entityRefSchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .refine(v => {
    const match = /^([^:/]+):([^:/]+)\/([^:/]+)$/.exec(v);
    if (!match) return false;
    const [, kind, namespace, name] = match;
    return (
      kind.length <= 63 &&
      namespace.length <= 63 &&
      name.length <= 63 &&
      ENTITY_KIND.test(kind) &&
      ENTITY_NAMESPACE.test(namespace) &&
      ENTITY_NAME.test(name)
    );
  }, 'must be an entity reference kind:namespace/name such as component:default/shop');

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
