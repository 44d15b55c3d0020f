import { createHash } from 'node:crypto';
import { LogTimestamp } from './timestamps';

/**
 * How far a container's log has been shipped: the timestamp of the last
 * shipped entry and how many entries of each content were shipped at
 * exactly that timestamp. Resuming from `sinceTime` (whole seconds) replays
 * the whole second; this is enough to drop exactly what was shipped.
 */
export interface ResumePoint {
  timestamp: LogTimestamp;
  /** Content hash → entries shipped at `timestamp` with that content. */
  shippedAt: ReadonlyMap<string, number>;
}

/** A short, collision-safe digest of an entry's text. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** The resume point after shipping `entries` (in order) from `point`. */
export function advanceResumePoint(
  point: ResumePoint | undefined,
  entries: Iterable<{ timestamp: LogTimestamp; text: string }>,
): ResumePoint | undefined {
  let timestamp = point?.timestamp;
  let counts: Map<string, number> | undefined;
  for (const entry of entries) {
    if (timestamp !== undefined && entry.timestamp < timestamp) {
      // Out of order within the stream: older than what a resume keeps anyway.
      continue;
    }
    if (entry.timestamp !== timestamp) {
      timestamp = entry.timestamp;
      counts = new Map();
    } else if (!counts) {
      counts = new Map(point?.shippedAt);
    }
    const hash = contentHash(entry.text);
    counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  if (timestamp === undefined) return undefined;
  if (!counts) return point;
  return { timestamp, shippedAt: counts };
}

/**
 * Decides, for a stream resumed from `sinceTimeOf(point.timestamp)`, which
 * entries were shipped before: everything older than the point, and at the
 * point's timestamp as many entries of each content as were shipped. Once an
 * entry is newer than the point, everything after it is new.
 */
export class ResumeFilter {
  private readonly remaining: Map<string, number>;
  private passed: boolean;

  constructor(private readonly point: ResumePoint | undefined) {
    this.remaining = new Map(point?.shippedAt);
    this.passed = point === undefined;
  }

  /** True if the entry is new and must be shipped. */
  keep(entry: { timestamp: LogTimestamp; text: string }): boolean {
    if (this.passed) return true;
    const point = this.point!;
    if (entry.timestamp < point.timestamp) return false;
    if (entry.timestamp > point.timestamp) {
      this.passed = true;
      return true;
    }
    const hash = contentHash(entry.text);
    const left = this.remaining.get(hash) ?? 0;
    if (left === 0) return true;
    this.remaining.set(hash, left - 1);
    return false;
  }
}
