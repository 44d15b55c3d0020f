import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import {
  LABELS,
  MANAGED_BY,
  StatusReportMessage,
  deployQueueName,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { WorkQueue as MessageQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  Clock,
  EventRecorder,
  Logger,
  ResilientInformer,
  WorkQueue,
  startReconcileLoop,
  systemClock,
} from '../runtime';
import { DeployAdapter, DeployQueueMessage } from './adapter';
import { DeployConfig } from './config';
import { AppReconciler } from './reconciler';
import { APP_GROUP, APP_PLURAL, APP_VERSION, App } from './types';

/** A running deploy role. */
export interface DeployController {
  /** Reconciles one App now (tests, debugging). */
  enqueue(app: string): void;
  stop(): Promise<void>;
}

/** Selects what the deploy role renders: app runtime objects. */
export const RUNTIME_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY},${LABELS.role}=runtime`;

/**
 * Starts the deploy role on a message queue and a cluster: informers on
 * Apps and on the Deployments and pods they own feed a de-duplicating work
 * queue; reconcile workers drain it; a periodic resync re-queues every App;
 * the queue adapter consumes `deploy.<cluster>` once the caches are synced
 * (the runtime's reconcile loop).
 */
export async function startDeployController(options: {
  config: DeployConfig;
  kubeConfig: KubeConfig;
  messages: MessageQueue<DeployQueueMessage | StatusReportMessage>;
  logger: Logger;
  clock?: Clock;
}): Promise<DeployController> {
  const { config, kubeConfig, messages } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ role: 'deploy' });
  const namespace = config.namespace;
  const clients = {
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
  };
  const publish = (report: StatusReportMessage) =>
    messages.publish(config.informQueue, report);

  const queue = new WorkQueue({ clock });
  const key = (name: string) => `${namespace}/${name}`;
  const enqueueOwner = (_event: string, obj: KubernetesObject) => {
    const app = obj.metadata?.labels?.[LABELS.app];
    if (app) queue.add(key(app));
  };

  const appInformer = new ResilientInformer<App>({
    kubeConfig,
    path: `/apis/${APP_GROUP}/${APP_VERSION}/namespaces/${namespace}/${APP_PLURAL}`,
    list: async () =>
      (await clients.custom.listNamespacedCustomObject({
        group: APP_GROUP,
        version: APP_VERSION,
        namespace,
        plural: APP_PLURAL,
      })) as KubernetesListObject<App>,
    onEvent: (event, app) => {
      queue.add(key(app.metadata.name));
      // A deleted App frees its hosts for Apps that were refused them.
      if (event === 'delete') {
        for (const other of appInformer.list()) {
          queue.add(key(other.metadata.name));
        }
      }
    },
    logger,
    clock,
    staleAfterMs: config.watchStaleMs,
  });
  const deploymentInformer = new ResilientInformer({
    kubeConfig,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    labelSelector: RUNTIME_SELECTOR,
    list: () =>
      clients.apps.listNamespacedDeployment({
        namespace,
        labelSelector: RUNTIME_SELECTOR,
      }),
    onEvent: enqueueOwner,
    logger,
    clock,
    staleAfterMs: config.watchStaleMs,
  });
  const podInformer = new ResilientInformer({
    kubeConfig,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector: RUNTIME_SELECTOR,
    list: () =>
      clients.core.listNamespacedPod({
        namespace,
        labelSelector: RUNTIME_SELECTOR,
      }),
    onEvent: enqueueOwner,
    logger,
    clock,
    staleAfterMs: config.watchStaleMs,
  });

  const reconciler = new AppReconciler({
    clients,
    listApps: () => appInformer.list(),
    publish,
    cluster: config.cluster,
    placement: {
      nodeSelector: config.nodeSelector,
      tolerations: config.tolerations,
      progressDeadlineSeconds: config.progressDeadlineSeconds,
    },
    releaseHistory: config.releaseHistory,
    pollMs: config.pollMs,
    tombstoneRetentionMs: config.tombstoneRetentionMs,
    logger,
    clock,
    events: new EventRecorder({
      core: clients.core,
      component: 'kli8nt-deploy',
      logger,
      clock,
    }),
  });
  const adapter = new DeployAdapter({
    clients,
    config,
    publish,
    logger,
    clock,
  });

  const loop = await startReconcileLoop({
    informers: [appInformer, deploymentInformer, podInformer],
    queue,
    reconcile: reconciler.reconcile,
    workers: config.workers,
    logger,
    clock,
    resync: {
      everyMs: config.resyncMs,
      keys: () => appInformer.list().map(app => key(app.metadata.name)),
    },
    consumers: [
      () =>
        messages.consume(deployQueueName(config.cluster), async message => {
          if (message.type === 'StatusReport') {
            throw new Error('StatusReport is not consumed from deploy queues');
          }
          await adapter.handle(message);
          // Reconcile at once rather than wait for the informer's echo.
          queue.add(key(message.payload.app));
        }),
    ],
  });
  logger.info('deploy role started', {
    cluster: config.cluster,
    namespace,
    queue: deployQueueName(config.cluster),
  });

  return {
    enqueue: app => queue.add(key(app)),
    stop: async () => {
      await loop.stop();
      logger.info('deploy role stopped');
    },
  };
}
