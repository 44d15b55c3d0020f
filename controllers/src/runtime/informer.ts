import {
  ADD,
  CONNECT,
  DELETE,
  ERROR,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  UPDATE,
  makeInformer,
} from '@kubernetes/client-node';
import { BackoffOptions, backoffDelay, defaultBackoff } from './backoff';
import { Clock, systemClock } from './clock';
import { Logger } from './logger';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/api/v1/namespaces/apps/pods`. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  onEvent: (event: InformerEvent, obj: T) => void;
  logger: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** A watch silent for this long is restarted, which re-lists. */
  staleAfterMs?: number;
}

/**
 * A client-node informer that survives its watch: the library's informer
 * stops on errors other than 410 Gone, so this restarts it with backoff, and
 * re-lists when the watch has been silent too long (a half-open connection
 * delivers nothing and reports nothing).
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private readonly clock: Clock;
  private attempts = 0;
  private lastActivity = 0;
  private running = false;
  private restartTimer: unknown;
  private watchdogTimer: unknown;
  private synced!: Promise<void>;
  private markSynced!: () => void;

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.clock = options.clock ?? systemClock;
    this.resetSynced();
    this.informer = makeInformer<T>(
      options.kubeConfig,
      options.path,
      async () => {
        const list = await options.list();
        this.markSynced();
        return list;
      },
      options.labelSelector,
    );
    const touch = (event: InformerEvent) => (obj: T) => {
      this.lastActivity = this.clock.now();
      options.onEvent(event, obj);
    };
    this.informer.on(ADD, touch('add'));
    this.informer.on(UPDATE, touch('update'));
    this.informer.on(DELETE, touch('delete'));
    this.informer.on(CONNECT, () => {
      this.attempts = 0;
      this.lastActivity = this.clock.now();
    });
    this.informer.on(ERROR, error => {
      // Stopping the informer (a restart does) aborts its watch, and the
      // library reports that abort as an error after the next start: a
      // restart for it would abort the new watch, and so on, forever.
      if ((error as { name?: unknown } | undefined)?.name === 'AbortError') {
        return;
      }
      this.scheduleRestart('watch error', error);
    });
  }

  private resetSynced() {
    this.synced = new Promise(resolve => {
      this.markSynced = resolve;
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.lastActivity = this.clock.now();
    this.armWatchdog();
    try {
      await this.informer.start();
    } catch (error) {
      this.scheduleRestart('start failed', error);
    }
  }

  /** Resolves once the first list has been received. */
  waitForSync(): Promise<void> {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.restartTimer);
    this.clock.clearTimeout(this.watchdogTimer);
    await this.informer.stop();
  }

  /** A copy of the cached objects (the cache itself is read-only). */
  list(): T[] {
    return [...this.informer.list()];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private scheduleRestart(reason: string, error?: unknown) {
    if (!this.running) return;
    this.clock.clearTimeout(this.restartTimer);
    this.attempts += 1;
    const delay = backoffDelay(
      this.attempts,
      this.options.backoff ?? defaultBackoff,
    );
    this.options.logger.warn('informer restarting', {
      path: this.options.path,
      reason,
      error,
      attempt: this.attempts,
      delayMs: delay,
    });
    this.restartTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.lastActivity = this.clock.now();
      this.informer
        .stop()
        .then(() => this.informer.start())
        .catch(err => this.scheduleRestart('restart failed', err));
    }, delay);
  }

  private armWatchdog() {
    const staleAfterMs = this.options.staleAfterMs ?? 5 * 60_000;
    this.watchdogTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      if (this.clock.now() - this.lastActivity >= staleAfterMs) {
        this.scheduleRestart('watch stale');
      }
      this.armWatchdog();
    }, staleAfterMs / 2);
  }
}
