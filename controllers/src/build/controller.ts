import {
  buildQueueName,
  Kli8ntMessage,
  LABELS,
  MANAGED_BY,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { WorkQueue as MessageQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesListObject,
  KubernetesObjectApi,
  V1Job,
} from '@kubernetes/client-node';
import type { BuildConfig, SharedConfig } from '../config';
import {
  Clock,
  EventRecorder,
  Logger,
  objectKey,
  ReconcileLoop,
  ResilientInformer,
  startReconcileLoop,
  systemClock,
  WorkQueue,
} from '../runtime';
import { BuildQueueAdapter } from './queueAdapter';
import { BuildReconciler, FaultInjector } from './reconciler';
import { isReported } from './status';
import {
  BUILD_GROUP,
  BUILD_PLURAL,
  BUILD_VERSION,
  BuildResource,
  isTerminalPhase,
} from './types';

export interface BuildControllerOptions {
  kubeConfig: KubeConfig;
  config: BuildConfig;
  shared: Pick<SharedConfig, 'resyncMs' | 'watchStaleMs' | 'workers'>;
  /** Consumes the build queues and publishes results (kli8nt-node). */
  queue: MessageQueue<Kli8ntMessage>;
  logger: Logger;
  clock?: Clock;
  /** Test hook: called at points where a crash must be harmless. */
  faults?: FaultInjector;
}

/** Selects the Jobs the build role owns. */
export const BUILD_JOB_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY},${LABELS.role}=build`;

/**
 * The build role: consumes `build.<cluster>` into Build resources and
 * reconciles each Build into a Job and its reports. Builds and build Jobs are
 * watched; every Build is reconciled again at least every resync period.
 */
export class BuildController {
  private readonly queue: WorkQueue;
  private readonly buildInformer: ResilientInformer<BuildResource>;
  private readonly jobInformer: ResilientInformer<V1Job>;
  private readonly reconciler: BuildReconciler;
  private readonly adapter: BuildQueueAdapter;
  private readonly clock: Clock;
  private loop?: ReconcileLoop;

  constructor(private readonly options: BuildControllerOptions) {
    const { kubeConfig, config, logger } = options;
    this.clock = options.clock ?? systemClock;
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const namespace = config.namespace;
    this.queue = new WorkQueue({ clock: this.clock });

    this.buildInformer = new ResilientInformer<BuildResource>({
      kubeConfig,
      path: `/apis/${BUILD_GROUP}/${BUILD_VERSION}/namespaces/${namespace}/${BUILD_PLURAL}`,
      list: () =>
        custom.listNamespacedCustomObject({
          group: BUILD_GROUP,
          version: BUILD_VERSION,
          plural: BUILD_PLURAL,
          namespace,
        }) as Promise<KubernetesListObject<BuildResource>>,
      onEvent: (_event, build) => this.queue.add(objectKey(build)),
      logger,
      clock: this.clock,
      staleAfterMs: options.shared.watchStaleMs,
    });
    this.jobInformer = new ResilientInformer<V1Job>({
      kubeConfig,
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      labelSelector: BUILD_JOB_SELECTOR,
      list: () =>
        batch.listNamespacedJob({
          namespace,
          labelSelector: BUILD_JOB_SELECTOR,
        }),
      // A build's Job has the build's name.
      onEvent: (_event, job) => this.queue.add(objectKey(job)),
      logger,
      clock: this.clock,
      staleAfterMs: options.shared.watchStaleMs,
    });
    this.reconciler = new BuildReconciler({
      clients: { custom, batch, core, objects },
      publisher: options.queue,
      config,
      logger,
      clock: this.clock,
      cachedJob: (ns, name) => this.jobInformer.get(name, ns),
      faults: options.faults,
      events: new EventRecorder({
        core,
        component: 'kli8nt-build',
        logger,
        clock: this.clock,
      }),
    });
    this.adapter = new BuildQueueAdapter({
      custom,
      objects,
      namespace,
      sealingKeys: config.sealingKeys,
      logger,
      faults: options.faults,
    });
  }

  /** Starts watching, reconciling and then consuming; resolves once running. */
  async start(): Promise<void> {
    const { logger, config, shared } = this.options;
    this.loop = await startReconcileLoop({
      informers: [this.buildInformer, this.jobInformer],
      queue: this.queue,
      reconcile: key => this.reconciler.reconcile(key),
      workers: shared.workers,
      logger,
      clock: this.clock,
      resync: { everyMs: shared.resyncMs, keys: () => this.unfinished() },
      consumers: config.clusters.map(cluster => async () => {
        const queueName = buildQueueName(cluster);
        const consumer = await this.options.queue.consume(
          queueName,
          this.adapter.handle,
        );
        logger.info('consuming', { queue: queueName });
        return consumer;
      }),
    });
    logger.info('build controller started', {
      namespace: config.namespace,
      clusters: config.clusters,
    });
  }

  /** Every Build that still has something to do (resync). */
  private *unfinished(): Iterable<string> {
    for (const build of this.buildInformer.list()) {
      const done =
        isTerminalPhase(build.status?.phase) &&
        isReported(build.status) &&
        !this.jobInformer.get(build.metadata.name, build.metadata.namespace);
      if (!done) yield objectKey(build);
    }
  }

  /**
   * Stops at once taking new work, from the queue and the broker alike, and
   * waits for the work in flight.
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
    if (loop) this.options.logger.info('build controller stopped');
  }
}
