import { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { LABELS } from '@kli8nt/backstage-plugin-kli8nt-common';
import type { LogSink } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  BackoffOptions,
  Clock,
  Logger,
  ReconcileLoop,
  ReconcileResult,
  ResilientInformer,
  WorkQueue,
  objectKey,
  parseObjectKey,
  startReconcileLoop,
} from '../runtime';
import { FlowBudget, FlowLimits } from './flow';
import { ContainerFollower } from './follower';
import { KubeLogStreamOpener, LogStreamOpener } from './logStream';
import type { LogsMetrics } from './metrics';
import { containerTargets, logPodOf } from './podTargets';
import type { ResumeStore } from './resumeIndex';
import { Shard, ownsPod } from './shard';

export interface LogsControllerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty watches the whole cluster. */
  namespaces: string[];
  shard: Shard;
  sink: LogSink;
  resume: ResumeStore;
  metrics: LogsMetrics;
  logger: Logger;
  limits: FlowLimits;
  maxLineBytes: number;
  maxBatchEntries: number;
  refreshAfterMs: number;
  resyncMs: number;
  watchStaleMs: number;
  workers: number;
  /** How long a deleted pod's open streams may still deliver. */
  deleteGraceMs?: number;
  backoff?: BackoffOptions;
  opener?: LogStreamOpener;
  clock?: Clock;
}

interface FollowedPod {
  uid: string;
  followers: Map<string, ContainerFollower>;
}

/**
 * The log role: a pod informer per watched namespace (pods labelled
 * `kli8nt.io/app`, build and runtime alike) feeds a work queue keyed by pod;
 * reconciling a pod this replica owns starts, updates or stops one
 * {@link ContainerFollower} per container.
 */
export class LogsController {
  private readonly queue: WorkQueue;
  private readonly informers: ResilientInformer<V1Pod>[];
  private readonly pods = new Map<string, FollowedPod>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly budget: FlowBudget;
  private readonly opener: LogStreamOpener;
  private loop: ReconcileLoop | undefined;

  constructor(private readonly options: LogsControllerOptions) {
    this.queue = new WorkQueue({ clock: options.clock });
    this.budget = new FlowBudget(options.limits);
    this.opener = options.opener ?? new KubeLogStreamOpener(options.kubeConfig);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const labelSelector = LABELS.app;
    const scopes = options.namespaces.length ? options.namespaces : [undefined];
    this.informers = scopes.map(
      namespace =>
        new ResilientInformer<V1Pod>({
          kubeConfig: options.kubeConfig,
          path: namespace
            ? `/api/v1/namespaces/${namespace}/pods`
            : '/api/v1/pods',
          labelSelector,
          list: () =>
            namespace
              ? core.listNamespacedPod({ namespace, labelSelector })
              : core.listPodForAllNamespaces({ labelSelector }),
          onEvent: (_event, pod) => this.queue.add(objectKey(pod)),
          logger: options.logger,
          clock: options.clock,
          staleAfterMs: options.watchStaleMs,
        }),
    );
  }

  async start(): Promise<void> {
    this.loop = await startReconcileLoop({
      informers: this.informers,
      queue: this.queue,
      workers: this.options.workers,
      logger: this.options.logger,
      clock: this.options.clock,
      reconcile: key => this.reconcile(key),
    });
    this.options.logger.info('log controller started', {
      namespaces: this.options.namespaces,
      shard: this.options.shard,
    });
  }

  /** Stops watching, then stops every follower, shipping what was read. */
  async stop(): Promise<void> {
    await this.loop?.stop();
    for (const key of [...this.pods.keys()]) this.release(key, 0);
    await Promise.all([...this.stopping]);
  }

  /** Keys of pods followed by this replica (for tests and diagnostics). */
  followedPods(): string[] {
    return [...this.pods.keys()];
  }

  follower(key: string, container: string): ContainerFollower | undefined {
    return this.pods.get(key)?.followers.get(container);
  }

  private findPod(key: string): V1Pod | undefined {
    const { namespace, name } = parseObjectKey(key);
    for (const informer of this.informers) {
      const pod = informer.get(name, namespace);
      if (pod) return pod;
    }
    return undefined;
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const pod = this.findPod(key);
    const logPod = pod && logPodOf(pod);
    const followed = this.pods.get(key);
    if (!pod || !logPod || !ownsPod(logPod.uid, this.options.shard)) {
      if (followed) this.release(key, this.options.deleteGraceMs ?? 2_000);
      return undefined;
    }
    if (followed && followed.uid !== logPod.uid) {
      // Same name, new pod (e.g. a StatefulSet replica came back).
      this.release(key, 0);
    }
    let entry = this.pods.get(key);
    if (!entry) {
      entry = { uid: logPod.uid, followers: new Map() };
      this.pods.set(key, entry);
    }
    for (const target of containerTargets(pod)) {
      const existing = entry.followers.get(target.name);
      if (existing) {
        existing.update(target);
        continue;
      }
      const follower = new ContainerFollower(logPod, target, {
        opener: this.opener,
        sink: this.options.sink,
        resume: this.options.resume,
        budget: this.budget,
        metrics: this.options.metrics,
        logger: this.options.logger,
        maxLineBytes: this.options.maxLineBytes,
        maxBatchEntries: this.options.maxBatchEntries,
        refreshAfterMs: this.options.refreshAfterMs,
        backoff: this.options.backoff ?? {
          baseMs: 500,
          maxMs: 30_000,
          jitter: 0.2,
        },
        clock: this.options.clock,
      });
      entry.followers.set(target.name, follower);
      follower.start();
    }
    return { requeueAfterMs: this.options.resyncMs };
  }

  /** Stops following a pod in the background. */
  private release(key: string, graceMs: number) {
    const entry = this.pods.get(key);
    if (!entry) return;
    this.pods.delete(key);
    const followers = [...entry.followers.values()];
    const done = Promise.all(followers.map(f => f.stop({ graceMs }))).then(
      () => {
        const pod = followers[0]?.pod;
        if (pod) this.options.resume.forget(pod.app, pod.name);
      },
    );
    this.stopping.add(done);
    done.finally(() => this.stopping.delete(done));
  }
}
