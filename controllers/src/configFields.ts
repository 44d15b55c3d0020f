import { z } from 'zod';
import { clusterNameSchema } from '@internal/backstage-plugin-kli8nt-common';
import { parseTolerations } from './runtime/tolerations';

/*
 * Field schemas shared by the controllers' config readers (config.ts):
 * environment variables are strings, these coerce and validate them.
 */

export const intFrom = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const seconds = (fallback: number, max = 7 * 24 * 3600) =>
  intFrom(1, max, fallback);

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform(v => v === 'true' || v === '1');

export const clusterList = z
  .string()
  .transform(v =>
    v
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(clusterNameSchema));

/** `key=value,key2=value2` into a record (node selectors, labels). */
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

export const quantity = (fallback: string) =>
  z
    .string()
    .regex(/^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/)
    .default(fallback);

/** An image reference that pins content: `repo@sha256:<64 hex>`. */
export const pinnedImage = z
  .string()
  .regex(
    /^[^\s@]+@sha256:[0-9a-f]{64}$/,
    'must be pinned by digest (image@sha256:…)',
  );

export const image = z.string().regex(/^[^\s]+$/, 'must be an image reference');

/** Tolerations in `kubectl taint` syntax (see runtime/tolerations.ts). */
export const tolerationList = z
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
  });

/** An HTTP(S) proxy URL: `http://[user:password@]host:port`. */
export const proxyUrl = z
  .string()
  .regex(
    /^https?:\/\/([^\s@/]+@)?[A-Za-z0-9.-]+(:\d+)?\/?$/,
    'must be http(s)://[user:password@]host[:port]',
  )
  .optional();
