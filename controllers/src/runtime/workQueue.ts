import { BackoffOptions, backoffDelay, defaultBackoff } from './backoff';
import { Clock, systemClock } from './clock';

/**
 * A queue of object keys (`namespace/name`) for reconcilers, after
 * client-go's workqueue: a key is queued at most once, a key being processed
 * is never handed to a second worker (it is queued again when done), delayed
 * adds keep the earliest time, and failures back off per key.
 */
export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: unknown }>();
  private readonly failures = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly options: {
      clock?: Clock;
      backoff?: BackoffOptions;
      random?: () => number;
    } = {},
  ) {}

  private get clock() {
    return this.options.clock ?? systemClock;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.waiters.shift()?.();
  }

  /** Adds the key after a delay; an earlier pending delay for it wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Adds the key after its next backoff delay; returns that delay. */
  addRateLimited(key: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delay = backoffDelay(
      attempt,
      this.options.backoff ?? defaultBackoff,
      this.options.random,
    );
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff after a successful reconcile. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key, or undefined once the queue is shut down. */
  async get(): Promise<string | undefined> {
    while (this.ready.length === 0 && !this.shuttingDown) {
      await new Promise<void>(resolve => this.waiters.push(resolve));
    }
    const key = this.ready.shift();
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  /** Marks the key processed; requeues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  get length(): number {
    return this.ready.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) {
      this.clock.clearTimeout(timer);
    }
    this.delayed.clear();
    this.ready.length = 0;
    this.queued.clear();
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(wake => wake());
  }
}
