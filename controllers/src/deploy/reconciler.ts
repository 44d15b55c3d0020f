import type {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import {
  LABELS,
  StatusReportMessage,
  appEnvSecretName,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  Clock,
  EventRecorder,
  Logger,
  RecordedEvent,
  ReconcileResult,
  applyObject,
  isNotFound,
  parseObjectKey,
  retryOnConflict,
  systemClock,
  writeStatusAt,
} from '../runtime';
import { newReportKey } from '../runtime/reportIds';
import { PodPlacement, desiredService } from './builders';
import { failIfOverdue, specAppliedAt } from './deadline';
import {
  HTTPROUTE_API_VERSION,
  desiredHTTPRoute,
  desiredIngress,
} from './exposure';
import { findHostConflict } from './hosts';
import { processKeyConflict, webProcess } from './processes';
import { Outcome, planStatus, reportMessage, sameStatus } from './status';
import {
  deleteTombstone,
  deletedCondition,
  tombstoneRemainingMs,
} from './tombstone';
import { deletedEvents, rolloutEvents } from './transitions';
import {
  applyProcesses,
  deleteWorkload,
  judgeProcesses,
  runRelease,
} from './workload';
import {
  APP_GROUP,
  APP_PLURAL,
  APP_VERSION,
  App,
  AppStatus,
  isTombstone,
} from './types';

/** The Kubernetes clients the reconciler needs; tests pass real ones. */
export interface DeployKubeClients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  apps: AppsV1Api;
}

export interface AppReconcilerOptions {
  clients: DeployKubeClients;
  /** Every App in the namespace, from the informer cache. */
  listApps: () => App[];
  publish: (report: StatusReportMessage) => Promise<void>;
  cluster: string;
  placement: PodPlacement;
  releaseHistory: number;
  pollMs: number;
  /** How long a tombstone is kept after its teardown before it is deleted. */
  tombstoneRetentionMs: number;
  logger: Logger;
  clock?: Clock;
  /** Records each transition as an Event on the App. */
  events?: EventRecorder;
}

/** Reads an App fresh from the API server; undefined when it is gone. */
export async function readApp(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<App | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({
      group: APP_GROUP,
      version: APP_VERSION,
      namespace,
      plural: APP_PLURAL,
      name,
    })) as App;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function isUnknownKind(error: unknown): boolean {
  // client-node's discovery throws this when the kind's CRD is not installed
  return /Unrecognized API version and kind/.test(
    (error as Error)?.message ?? '',
  );
}

/**
 * Reconciles one App: checks its hosts, renders and server-side applies its
 * Deployment, Service and Ingress or HTTPRoute, judges the rollout, reports
 * the deployment's status once per state and rebuilds `status` from what it
 * saw. Level-triggered: it reads the App and the world fresh every pass.
 */
export class AppReconciler {
  private readonly clock: Clock;

  constructor(private readonly options: AppReconcilerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * A pass whose status write lost to another writer (409: the adapter
   * applied a newer spec, or another replica got there first) runs again on
   * the App as it is now, never over it.
   */
  reconcile = (key: string): Promise<ReconcileResult> =>
    retryOnConflict(() => this.pass(key));

  private async pass(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseObjectKey(key);
    const { clients } = this.options;
    const app = await readApp(clients.custom, namespace, name);
    if (!app || app.metadata.deletionTimestamp) return undefined;
    const logger = this.options.logger.child({
      app: name,
      deploymentId: app.spec.deploymentId,
    });
    if (isTombstone(app)) return this.tearDown(app, logger);
    if (!app.status?.reportKey) {
      // Stored before this App's first report goes out, so that a report
      // sent again after a crash carries the same id (runtime/reportIds.ts).
      await this.writeStatus(
        app,
        { ...app.status, reportKey: newReportKey() },
        [],
      );
    }

    const now = new Date(this.clock.now());
    const outcome = failIfOverdue(
      await this.observe(app),
      now.getTime(),
      this.options.placement.progressDeadlineSeconds,
    );
    const plan = planStatus({
      app,
      outcome,
      now,
      releaseHistory: this.options.releaseHistory,
    });
    // Reports go out before the status that records them: a crash in
    // between re-sends them with the same message ids, never loses them.
    for (const report of plan.reports) {
      await this.options.publish(
        reportMessage(app, this.options.cluster, report, now),
      );
      logger.info('deployment status reported', {
        reportedDeploymentId: report.deploymentId,
        status: report.status,
        reason: report.reason,
      });
    }
    await this.writeStatus(app, plan.status, rolloutEvents(app, plan.reports));
    return outcome.kind === 'progressing'
      ? { requeueAfterMs: this.options.pollMs }
      : undefined;
  }

  /**
   * Writes the status at the version this pass read (a 409 if the App moved
   * since), then records the transitions it stores: once, by whichever
   * writer won.
   */
  private async writeStatus(
    app: App,
    status: AppStatus,
    events: RecordedEvent[],
  ) {
    if (sameStatus(app.status, status)) return;
    const { namespace, name } = app.metadata;
    await writeStatusAt(
      this.options.clients.custom,
      {
        group: APP_GROUP,
        version: APP_VERSION,
        plural: APP_PLURAL,
        namespace,
        name,
      },
      app,
      status,
    );
    for (const event of events) await this.options.events?.record(app, event);
  }

  /**
   * A tombstone keeps its name and sequence only: everything the app ran
   * goes (level-triggered, so a crash half-way is finished on the next pass).
   * It refuses older messages for its retention, then is deleted itself.
   */
  private async tearDown(app: App, logger: Logger): Promise<ReconcileResult> {
    const { name } = app.metadata;
    await deleteWorkload(this.options.clients.objects, app);
    await this.deleteOwned(app, 'v1', 'Service');
    await this.deleteOwned(app, 'networking.k8s.io/v1', 'Ingress');
    await this.deleteOwned(app, HTTPROUTE_API_VERSION, 'HTTPRoute');
    await this.deleteOwned(app, 'v1', 'Secret', appEnvSecretName(name));
    const status: AppStatus = {
      observedGeneration: app.metadata.generation,
      conditions: [
        deletedCondition(app, new Date(this.clock.now()).toISOString()),
      ],
    };
    await this.writeStatus(app, status, deletedEvents(app));
    const remainingMs = tombstoneRemainingMs(
      app,
      this.clock.now(),
      this.options.tombstoneRetentionMs,
    );
    if (remainingMs > 0) return { requeueAfterMs: remainingMs };
    await deleteTombstone(this.options.clients.custom, app);
    logger.info('tombstone deleted after its retention', {
      sequence: app.spec.sequence ?? 0,
    });
    return undefined;
  }

  private async observe(app: App): Promise<Outcome> {
    const conflict = findHostConflict(app, this.options.listApps());
    if (conflict) {
      return {
        kind: 'refused',
        reason: 'HostConflict',
        message: conflict.message,
      };
    }
    const nameConflict = processKeyConflict(app.spec);
    if (nameConflict) {
      return {
        kind: 'refused',
        reason: 'ProcessNameConflict',
        message: nameConflict,
      };
    }
    const waiting = await this.secretWaiting(app);
    if (waiting) return waiting;
    const { clients, placement } = this.options;
    const releasing = await runRelease(clients, app, placement);
    if (releasing) return releasing;

    const { objects } = clients;
    const web = webProcess(app.spec);
    if (web) await applyObject(objects, desiredService(app));
    const deployments = await applyProcesses(objects, app, placement);
    if (!web) {
      // Only workers: nothing listens, so nothing is exposed.
      await this.deleteOwned(app, 'v1', 'Service');
      await this.deleteOwned(app, 'networking.k8s.io/v1', 'Ingress');
      await this.deleteOwned(app, HTTPROUTE_API_VERSION, 'HTTPRoute');
    } else if (app.spec.exposure.mode === 'ingress') {
      await applyObject(objects, desiredIngress(app));
      await this.deleteOwned(app, HTTPROUTE_API_VERSION, 'HTTPRoute');
    } else {
      try {
        await applyObject(objects, desiredHTTPRoute(app));
      } catch (error) {
        if (!isUnknownKind(error)) throw error;
        // A platform misconfiguration, not a passing failure: say so once;
        // the periodic resync picks the App up when the CRD is installed.
        return {
          kind: 'failed',
          reason: 'ExposureUnavailable',
          message: `This cluster does not serve ${HTTPROUTE_API_VERSION} HTTPRoute; install the Gateway API CRDs or use Ingress exposure`,
        };
      }
      await this.deleteOwned(app, 'networking.k8s.io/v1', 'Ingress');
    }
    return judgeProcesses(clients.core, app, deployments, this.clock.now());
  }

  /**
   * Pods must not start with another deployment's secret values: the env
   * Secret (written by the queue adapter) must carry this deployment's label.
   */
  private async secretWaiting(app: App): Promise<Outcome | undefined> {
    const ref = app.spec.secretEnv;
    if (!ref) return undefined;
    let label: string | undefined;
    try {
      const secret = await this.options.clients.core.readNamespacedSecret({
        namespace: app.metadata.namespace,
        name: ref.secretName,
      });
      label = secret.metadata?.labels?.[LABELS.deployment];
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (label === app.spec.deploymentId) return undefined;
    return {
      kind: 'progressing',
      reason: 'WaitingForSecretEnv',
      message: `Waiting for Secret ${ref.secretName} of deployment ${app.spec.deploymentId}`,
      overdue: {
        since: specAppliedAt(app),
        reason: 'SecretEnvMissing',
        message: `Secret ${ref.secretName} with the secret env of deployment ${app.spec.deploymentId} did not appear`,
      },
    };
  }

  /** Removes an object the App owns (by default named like the App). */
  private async deleteOwned(
    app: App,
    apiVersion: string,
    kind: string,
    name = app.metadata.name,
  ) {
    const { objects } = this.options.clients;
    const header = {
      apiVersion,
      kind,
      metadata: { name, namespace: app.metadata.namespace },
    };
    let existing: KubernetesObject;
    try {
      existing = await objects.read(header);
    } catch (error) {
      if (isNotFound(error) || isUnknownKind(error)) return;
      throw error;
    }
    const owned = existing.metadata?.ownerReferences?.some(
      o => o.uid === app.metadata.uid,
    );
    if (!owned) return;
    try {
      await objects.delete(header);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
