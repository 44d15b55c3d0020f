import type { LogSink } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  BackoffOptions,
  Clock,
  Logger,
  backoffDelay,
  systemClock,
} from '../runtime';
import { FlowBudget, flowDecision } from './flow';
import { LogEntry, LogLineReader } from './lineReader';
import { LogStreamError, LogStreamOpener } from './logStream';
import type { LogsMetrics } from './metrics';
import {
  ContainerTarget,
  FollowStep,
  LogPod,
  nextFollowStep,
} from './podTargets';
import { ResumeFilter, ResumePoint, advanceResumePoint } from './resume';
import type { ResumeStore } from './resumeIndex';
import { ContainerShipper, ShipFailure } from './shipper';
import { sinceTimeOf } from './timestamps';

export interface FollowerDeps {
  opener: LogStreamOpener;
  sink: LogSink;
  resume: ResumeStore;
  budget: FlowBudget;
  metrics: LogsMetrics;
  logger: Logger;
  maxLineBytes: number;
  /** Most entries per append. */
  maxBatchEntries: number;
  backoff: BackoffOptions;
  /** A follow stream is reopened this often, in case its connection went half-open. */
  refreshAfterMs: number;
  clock?: Clock;
}

/** Why a read of a stream stopped before its end. */
type Interruption = 'ship_failed' | 'stalled' | 'refresh' | 'stopped';

const COMPLETED_KEPT = 8;

/**
 * Follows one container of one pod and ships its log, once: entries are
 * appended one batch at a time and the resume point moves only when Kafka
 * acknowledged a batch, so a reconnect (from `sinceTime`, filtered by
 * {@link ResumeFilter}) neither loses nor repeats lines. After a failed
 * append the point is recovered from Kafka itself.
 */
export class ContainerFollower {
  private target: ContainerTarget;
  private point: ResumePoint | undefined;
  private pointKnown = false;
  private completed: string[] = [];
  private readonly shipper: ContainerShipper;
  private interrupt: ((why: Interruption) => void) | undefined;
  private notify: () => void = () => {};
  private changed: Promise<void> = new Promise(resolve => {
    this.notify = resolve;
  });
  private stopping = false;
  private running: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    readonly pod: LogPod,
    target: ContainerTarget,
    private readonly deps: FollowerDeps,
  ) {
    this.target = target;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger.child({
      namespace: pod.namespace,
      pod: pod.name,
      container: target.name,
    });
    this.shipper = new ContainerShipper(
      pod,
      target.name,
      { ...deps, clock: this.clock },
      {
        shipped: batch => {
          this.point = advanceResumePoint(this.point, batch);
        },
        failed: () => this.interrupt?.('ship_failed'),
      },
    );
  }

  get container(): string {
    return this.target.name;
  }

  /** The last acknowledged point (for tests and diagnostics). */
  get resumePoint(): ResumePoint | undefined {
    return this.point;
  }

  start(): void {
    this.deps.metrics.followers.inc();
    this.running = this.run().finally(() => this.deps.metrics.followers.dec());
  }

  /** The pod changed: the follower re-plans at its next step. */
  update(target: ContainerTarget): void {
    this.target = target;
    this.signalChange();
  }

  /**
   * Stops following: the open stream may deliver for `graceMs` more (the
   * last lines of a deleted pod), then what was read is shipped, waiting at
   * most `flushTimeoutMs`.
   */
  async stop(
    options: { graceMs?: number; flushTimeoutMs?: number } = {},
  ): Promise<void> {
    this.stopping = true;
    this.signalChange();
    if (options.graceMs) await this.delay(options.graceMs, this.running);
    this.interrupt?.('stopped');
    await this.delay(options.flushTimeoutMs ?? 10_000, this.running);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let step: FollowStep = { kind: 'wait' };
      try {
        if (!this.pointKnown) {
          this.point = await this.deps.resume.resumePoint({
            app: this.pod.app,
            pod: this.pod.name,
            container: this.target.name,
            notBeforeMs: this.pod.createdMs,
          });
          this.pointKnown = true;
        }
        step = nextFollowStep(this.target, { completed: this.completed });
        if (step.kind === 'wait') {
          await this.changed;
          continue;
        }
        const result = await this.read(step);
        if (result.interruption === 'stopped') break;
        if (result.ended && step.completes) {
          this.complete(step.instance);
          failures = 0;
          continue;
        }
        if (result.interruption !== 'stalled') {
          this.deps.metrics.reconnects.inc({
            reason: result.interruption ?? 'ended',
          });
        }
        // A stream that delivered, or that we cut ourselves, is healthy.
        failures = result.entries > 0 || result.interruption ? 0 : failures + 1;
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof ShipFailure) {
          this.pointKnown = false;
          this.deps.metrics.reconnects.inc({ reason: 'ship_failed' });
        } else if (
          error instanceof LogStreamError &&
          error.permanent &&
          step.kind === 'read' &&
          step.previous
        ) {
          // The runtime no longer has that instance's log.
          this.logger.warn('previous container log unavailable', {
            instance: step.instance,
            error,
          });
          this.complete(step.instance);
          continue;
        } else {
          this.deps.metrics.reconnects.inc({ reason: 'error' });
        }
        failures += 1;
        this.logger.warn('log stream failed', { error, attempt: failures });
      }
      await this.delay(
        backoffDelay(Math.max(1, failures), this.deps.backoff),
        this.changed,
      );
    }
    await this.shipper.drain().catch(() => undefined);
  }

  private complete(instance: string) {
    this.completed = [
      ...this.completed.filter(i => i !== instance),
      instance,
    ].slice(-COMPLETED_KEPT);
  }

  /** Reads one stream to its end or until interrupted; ships what it read. */
  private async read(
    step: Extract<FollowStep, { kind: 'read' }>,
  ): Promise<{ ended: boolean; entries: number; interruption?: Interruption }> {
    const abort = new AbortController();
    let interruption: Interruption | undefined;
    this.interrupt = why => {
      interruption ??= why;
      abort.abort();
    };
    const refresh = step.follow
      ? this.clock.setTimeout(
          () => this.interrupt?.('refresh'),
          this.deps.refreshAfterMs,
        )
      : undefined;
    const filter = new ResumeFilter(this.point);
    const reader = new LogLineReader({ maxLineBytes: this.deps.maxLineBytes });
    let entries = 0;
    let ended = false;
    try {
      const stream = await this.deps.opener.open(
        {
          namespace: this.pod.namespace,
          pod: this.pod.name,
          container: this.target.name,
          follow: step.follow,
          previous: step.previous,
          sinceTime: this.point ? sinceTimeOf(this.point.timestamp) : undefined,
        },
        abort.signal,
      );
      try {
        for await (const chunk of stream) {
          entries += this.accept(reader.push(chunk), filter);
          if (interruption) break;
          await this.respectBudget();
          if (interruption) break;
        }
        if (!interruption) {
          entries += this.accept(reader.end(), filter);
          ended = true;
        }
      } catch (error) {
        if (!interruption) throw error;
      } finally {
        (stream as { destroy?: () => void }).destroy?.();
      }
    } catch (error) {
      if (!interruption) {
        await this.shipper.drain().catch(() => undefined);
        if (this.shipper.failed) {
          throw new ShipFailure(this.shipper.takeError());
        }
        throw error;
      }
    } finally {
      this.clock.clearTimeout(refresh);
      this.interrupt = undefined;
    }
    if (interruption === 'stalled') this.shipper.dropHeld();
    await this.shipper.drain();
    return { ended, entries, interruption };
  }

  /** Filters new entries and queues them for shipping; returns how many were new. */
  private accept(entries: LogEntry[], filter: ResumeFilter): number {
    let kept = 0;
    for (const entry of entries) {
      if (!filter.keep(entry)) {
        this.deps.metrics.duplicatesDropped.inc();
        continue;
      }
      if (entry.continued) this.deps.metrics.linesSplit.inc();
      this.shipper.hold(entry);
      kept++;
    }
    this.shipper.pump();
    return kept;
  }

  /** Pauses reading while memory is short; disconnects if that lasts. */
  private async respectBudget(): Promise<void> {
    const { budget } = this.deps;
    const decide = (pausedSince?: number) =>
      flowDecision({
        held: this.shipper.bytes,
        total: budget.total,
        limits: budget.limits,
        pausedSince,
        now: this.clock.now(),
      });
    if (decide() === 'read') return;
    const pausedSince = this.clock.now();
    this.deps.metrics.pausedFollowers.inc();
    try {
      for (;;) {
        if (this.shipper.failed || this.stopping) return;
        const decision = decide(pausedSince);
        if (decision === 'read') return;
        if (decision === 'disconnect') {
          // Counted now: the reconnect waits for the slow append to settle.
          this.deps.metrics.reconnects.inc({ reason: 'stalled' });
          this.interrupt?.('stalled');
          return;
        }
        const waitMs = Math.max(
          1,
          budget.limits.stallMs - (this.clock.now() - pausedSince),
        );
        await this.delay(
          waitMs,
          Promise.race([budget.released(), this.changed]),
        );
      }
    } finally {
      this.deps.metrics.pausedFollowers.dec();
    }
  }

  private signalChange() {
    const notify = this.notify;
    this.changed = new Promise(resolve => {
      this.notify = resolve;
    });
    notify();
  }

  /** Waits `ms`, or less if `alsoOn` settles first. */
  private async delay(ms: number, alsoOn?: Promise<unknown>): Promise<void> {
    let timer: unknown;
    const elapsed = new Promise<void>(resolve => {
      timer = this.clock.setTimeout(resolve, ms);
    });
    try {
      await (alsoOn ? Promise.race([elapsed, alsoOn]) : elapsed);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }
}
