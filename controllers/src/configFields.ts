import { z } from 'zod';
import { resourceQuantitySchema } from '@kli8nt/backstage-plugin-kli8nt-common';
import { parseTolerations } from './runtime/tolerations';

/*
 * How the controllers read environment variables (config.ts and each role's
 * config.ts): every variable is a `variable(schema, expected)`, so every bad
 * value is reported the same way, naming the variable, what it expects and
 * what it got.
 */

export type Env = Record<string, string | undefined>;

/** A bad or missing setting; the message lists every problem by variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid controller configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * One environment variable. Surrounding space is dropped and an empty value
 * counts as unset, so its default applies (the chart renders an unset value
 * as ""). A value `schema` refuses is reported as `expected <expected>, got
 * "<value>"` (see `shown`), with the schema's own explanations (custom
 * issues) after it; a `secret` value (it may hold a password) is never
 * repeated.
 */
export function variable<T extends z.ZodType>(
  schema: T,
  expected: string,
  options: { secret?: boolean } = {},
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): z.output<T> => {
      const value = raw?.trim() || undefined;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      const details = result.error.issues
        .filter(issue => issue.code === 'custom')
        .map(issue => issue.message);
      let message = `expected ${expected}`;
      if (value === undefined) message = `is required, ${message}`;
      else if (options.secret) message += ' (the value is not shown)';
      else message += `, got ${JSON.stringify(shown(value))}`;
      if (details.length > 0) message += ` (${details.join('; ')})`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });
}

const SHOWN_MAX = 80;

/**
 * A refused value as the error repeats it, which goes to the logs: any
 * userinfo is masked, since a registry or mirror written as
 * `user:token@host` (with or without a scheme) that fails its check would
 * otherwise log the token. Everything up to the last `@` goes, as a password
 * may hold `/` or `@`. Long values are cut.
 */
function shown(value: string): string {
  const at = value.lastIndexOf('@');
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value)?.[0] ?? '';
  const masked = at < 0 ? value : `${scheme}…${value.slice(at)}`;
  return masked.length > SHOWN_MAX
    ? `${masked.slice(0, SHOWN_MAX - 1)}…`
    : masked;
}

/**
 * Variables a mode needs: `{ KLI8NT_TLS_MODE: { wildcard:
 * ['KLI8NT_TLS_WILDCARD_SECRET'] } }` reports the secret missing when the
 * mode is wildcard. For `superRefine(..., { when: always })`, so that these
 * are listed with the other problems.
 */
export function requiredWith(
  needs: Record<string, Record<string, string[]>>,
): (env: Record<string, unknown>, ctx: z.RefinementCtx) => void {
  return (env, ctx) => {
    for (const [mode, byValue] of Object.entries(needs)) {
      const value = env[mode];
      if (typeof value !== 'string') continue;
      for (const name of byValue[value] ?? []) {
        if (env[name] !== undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `is required with ${mode}=${value}`,
        });
      }
    }
  };
}

/**
 * Variables checked only in a mode: `{ KLI8NT_EXPOSURE: { gateway: {
 * KLI8NT_GATEWAY: gatewayRef } } }` reports a bad gateway only when the
 * exposure is gateway; in another mode the value is ignored (the chart
 * renders it whenever it is set, so one left over must not stop the role).
 * Each schema is a `variable()`, so the message reads the same; the field
 * itself takes any string. For `superRefine(..., always)`.
 */
export function checkedWith(
  checks: Record<string, Record<string, Record<string, z.ZodType>>>,
): (env: Record<string, unknown>, ctx: z.RefinementCtx) => void {
  return (env, ctx) => {
    for (const [mode, byValue] of Object.entries(checks)) {
      const value = env[mode];
      if (typeof value !== 'string') continue;
      for (const [name, schema] of Object.entries(byValue[value] ?? {})) {
        const result = schema.safeParse(env[name]);
        if (result.success) continue;
        for (const issue of result.error.issues) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: issue.message,
          });
        }
      }
    }
  };
}

/** Runs a refinement even when some variables are bad (see `requiredWith`). */
export const always = { when: () => true };

/** Parses `env` with each schema, reporting the problems of all of them. */
export function parseEnv<S extends Record<string, z.ZodType>>(
  schemas: S,
  env: Env,
): { [K in keyof S]: z.output<S[K]> } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(schemas)) {
    const result = schema.safeParse(env);
    if (result.success) out[key] = result.data;
    else {
      for (const issue of result.error.issues) {
        problems.push(`${issue.path.join('.') || '(env)'}: ${issue.message}`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as { [K in keyof S]: z.output<S[K]> };
}

export const integer = (min: number, max: number, fallback: number) =>
  variable(
    z.coerce.number().int().min(min).max(max).default(fallback),
    `an integer from ${min} to ${max}`,
  );

export const seconds = (fallback: number, max = 7 * 24 * 3600) =>
  variable(
    z.coerce.number().int().min(1).max(max).default(fallback),
    `a number of seconds from 1 to ${max}`,
  );

export const flag = (fallback: boolean) =>
  variable(
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform(v => v === 'true' || v === '1'),
    'true or false',
  );

/** A comma-separated list; empty items are dropped. */
export const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .default('')
    .transform(v =>
      v
        .split(',')
        .map(s => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

export const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const namespace = (fallback: string) =>
  variable(
    z.string().regex(NAMESPACE).default(fallback),
    'a namespace name such as kli8nt-apps',
  );

export const quantity = (fallback: string) =>
  variable(
    resourceQuantitySchema.default(fallback),
    'a Kubernetes quantity such as 500m or 512Mi',
  );

/** `key=value,key2=value2` into a record. */
export const keyValues = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of v.split(',').filter(s => s.trim())) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        ctx.addIssue({ code: 'custom', message: `'${pair}' is not key=value` });
        return z.NEVER;
      }
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
  });

export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A node selector of pods the controllers create (builds, apps). */
export const nodeSelector = variable(
  keyValues.superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
      if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `'${key}=${value}' is not a label`,
        });
      }
    }
  }),
  'labels as key=value,… such as kli8nt.io/pool=builds',
);

/** Tolerations in `kubectl taint` syntax (see runtime/tolerations.ts). */
export const tolerations = variable(
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const parsed = parseTolerations(v);
      if ('problems' in parsed) {
        for (const message of parsed.problems) {
          ctx.addIssue({ code: 'custom', message });
        }
        return z.NEVER;
      }
      return parsed.tolerations;
    }),
  'tolerations as key[=value][:Effect],… such as pool=apps:NoSchedule',
);

/**
 * `KLI8NT_SEALING_KEYS`: the backend's `kli8nt.secretKey` (comma separated,
 * base64 or hex; the first seals, older ones open during a rotation).
 */
export const sealingKeys = variable(list(z.string()), 'comma-separated keys', {
  secret: true,
});

/** An image reference that pins content: `repo@sha256:<64 hex>`. */
export const pinnedImage = z.string().regex(/^[^\s@]+@sha256:[0-9a-f]{64}$/);
export const PINNED_IMAGE =
  'an image pinned by digest (<image>@sha256:<64 hex digits>)';

/** An HTTP(S) proxy URL: `http://[user:password@]host:port`. */
export const proxyUrl = variable(
  z
    .string()
    .regex(/^https?:\/\/([^\s@/]+@)?[A-Za-z0-9.-]+(:\d+)?\/?$/)
    .optional(),
  'http(s)://[user:password@]host[:port]',
  { secret: true },
);
