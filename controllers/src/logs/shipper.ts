import type { LogLine, LogSink } from '@kli8nt/backstage-plugin-kli8nt-node';
import type { Clock } from '../runtime';
import type { FlowBudget } from './flow';
import type { LogEntry } from './lineReader';
import type { LogsMetrics } from './metrics';
import type { LogPod } from './podTargets';
import { timestampMs } from './timestamps';

/** An append to Kafka failed; the follower recovers its point from Kafka. */
export class ShipFailure extends Error {
  constructor(cause: unknown) {
    super('Shipping log lines failed', { cause });
    this.name = 'ShipFailure';
  }
}

export interface ShipperDeps {
  sink: LogSink;
  budget: FlowBudget;
  metrics: LogsMetrics;
  /** Most entries per append. */
  maxBatchEntries: number;
  clock: Clock;
}

/**
 * The shipping half of a container follower: the entries it read,
 * held (and counted in the flow budget) until Kafka acknowledged them, one
 * append in flight so that batches are acknowledged in order.
 */
export class ContainerShipper {
  private held: LogEntry[] = [];
  private heldBytes = 0;
  private inFlight: Promise<void> | undefined;
  private shipError: unknown;

  constructor(
    private readonly pod: LogPod,
    private readonly container: string,
    private readonly deps: ShipperDeps,
    private readonly events: {
      /** Kafka has `batch`: the resume point may move past it. */
      shipped(batch: LogEntry[]): void;
      /** An append failed; what was held is dropped. */
      failed(): void;
    },
  ) {}

  /** Bytes read and not yet acknowledged. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** True once an append failed, until {@link ContainerShipper.takeError}. */
  get failed(): boolean {
    return Boolean(this.shipError);
  }

  hold(entry: LogEntry): void {
    this.held.push(entry);
    this.heldBytes += entry.bytes;
    this.deps.budget.hold(entry.bytes);
    this.deps.metrics.bufferedBytes.inc(entry.bytes);
  }

  /** Keeps one append in flight, so batches are acknowledged in order. */
  pump() {
    if (this.inFlight || this.held.length === 0 || this.shipError) return;
    const batch = this.held.splice(0, this.deps.maxBatchEntries);
    const lines: LogLine[] = batch.map(entry => ({
      deploymentId: this.pod.deploymentId,
      source: this.pod.source,
      pod: this.pod.name,
      container: this.container,
      timestamp: entry.timestamp,
      line: entry.text,
    }));
    const bytes = batch.reduce((sum, entry) => sum + entry.bytes, 0);
    this.inFlight = this.deps.sink.append(this.pod.app, lines).then(
      () => {
        this.events.shipped(batch);
        const labels = { source: this.pod.source };
        this.deps.metrics.linesShipped.inc(labels, batch.length);
        this.deps.metrics.bytesShipped.inc(labels, bytes);
        const newest = batch[batch.length - 1].timestamp;
        this.deps.metrics.lagSeconds.set(
          Math.max(0, (this.deps.clock.now() - timestampMs(newest)) / 1000),
        );
        this.release(bytes);
        this.inFlight = undefined;
        this.pump();
      },
      error => {
        this.shipError = error;
        this.release(bytes);
        this.inFlight = undefined;
        this.dropHeld();
        this.events.failed();
      },
    );
  }

  /** Forgets entries not yet handed to the sink: they are read again on resume. */
  dropHeld() {
    const bytes = this.held.reduce((sum, entry) => sum + entry.bytes, 0);
    this.held = [];
    if (bytes > 0) this.release(bytes);
  }

  /** Waits until everything held is acknowledged; throws if shipping failed. */
  async drain(): Promise<void> {
    while (this.inFlight) {
      await this.inFlight;
      this.pump();
    }
    if (this.shipError) throw new ShipFailure(this.takeError());
  }

  takeError(): unknown {
    const error = this.shipError;
    this.shipError = undefined;
    return error;
  }

  private release(bytes: number) {
    this.heldBytes -= bytes;
    this.deps.metrics.bufferedBytes.dec(bytes);
    this.deps.budget.release(bytes);
  }
}
