/** Memory limits of the log pipeline. */
export interface FlowLimits {
  /** Bytes read but not yet acknowledged by Kafka, over all containers. */
  totalBytes: number;
  /** The same, per followed container. */
  perContainerBytes: number;
  /** A container paused this long disconnects and resumes later from what was shipped. */
  stallMs: number;
}

/** What a follower does with its stream, given the memory it and everyone holds. */
export type FlowDecision = 'read' | 'pause' | 'disconnect';

/**
 * The pause policy. A follower stops reading once it or the whole process
 * holds its share; it reads again only below a lower mark (so it does not
 * flap at the limit); if Kafka stays too slow for `stallMs` it lets go of
 * the connection and what it holds, and later resumes from the last shipped
 * timestamp instead of buffering without limit.
 */
export function flowDecision(input: {
  held: number;
  total: number;
  limits: FlowLimits;
  /** When the follower paused, if it is paused. */
  pausedSince?: number;
  now: number;
}): FlowDecision {
  const { held, total, limits, pausedSince, now } = input;
  if (pausedSince === undefined) {
    return held >= limits.perContainerBytes || total >= limits.totalBytes
      ? 'pause'
      : 'read';
  }
  if (
    held <= limits.perContainerBytes / 2 &&
    total <= (limits.totalBytes * 3) / 4
  ) {
    return 'read';
  }
  return now - pausedSince >= limits.stallMs ? 'disconnect' : 'pause';
}

/**
 * The process-wide byte count behind {@link flowDecision}, which wakes
 * paused followers whenever memory is released.
 */
export class FlowBudget {
  private held = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly limits: FlowLimits) {}

  get total(): number {
    return this.held;
  }

  hold(bytes: number): void {
    this.held += bytes;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(wake => wake());
  }

  /** Resolves at the next release anywhere. */
  released(): Promise<void> {
    return new Promise(resolve => this.waiters.push(resolve));
  }
}
