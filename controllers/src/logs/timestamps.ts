/*
 * Container log timestamps as the kubelet writes them with `timestamps=true`:
 * RFC 3339 with up to nine fractional digits, trailing zeros trimmed. They
 * are normalised to exactly nine digits in UTC so that they compare as
 * strings, and so the same instant always has the same spelling.
 */

const RFC3339 =
  /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** A timestamp in the canonical form `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`. */
export type LogTimestamp = string;

/** Parses an RFC 3339 timestamp into its canonical form, or undefined. */
export function normalizeTimestamp(value: string): LogTimestamp | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [, date, time, fraction = '', zone] = match;
  const seconds = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  const whole = new Date(seconds).toISOString().slice(0, 19);
  return `${whole}.${fraction.padEnd(9, '0')}Z`;
}

/**
 * The `sinceTime` to resume from: the API server only takes whole seconds,
 * so this is the timestamp rounded down, and lines of that second come
 * again (the resume filter drops those already shipped).
 */
export function sinceTimeOf(timestamp: LogTimestamp): string {
  return `${timestamp.slice(0, 19)}Z`;
}

/** Milliseconds since the epoch (fraction beyond milliseconds dropped). */
export function timestampMs(timestamp: LogTimestamp): number {
  return Date.parse(`${timestamp.slice(0, 23)}Z`);
}

/** The canonical timestamp of a millisecond instant. */
export function timestampFromMs(ms: number): LogTimestamp {
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}
