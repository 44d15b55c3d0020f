import type { Kli8ntMessage } from '@internal/backstage-plugin-kli8nt-common';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  V1Job,
} from '@kubernetes/client-node';
import {
  applyObject,
  Clock,
  isConflict,
  isNotFound,
  Logger,
  parseObjectKey,
  ReconcileResult,
  writeStatusAt,
} from '../runtime';
import type { EventRecorder } from '../runtime';
import type { BuildConfig } from '../config';
import {
  cloneSecretOwnership,
  desiredJob,
  remainingBuildSeconds,
} from './desired';
import { imageRepository } from './jobParts';
import { cleanLogText, formatFailure, observeJob } from './observe';
import { reportsFor } from './reports';
import {
  isReported,
  markReported,
  sameStatus,
  compactStatus,
  statusFromObservation,
  terminalStatus,
  transitionEvent,
} from './status';
import {
  BUILD_GROUP,
  BUILD_PLURAL,
  BUILD_VERSION,
  BuildPhase,
  BuildResource,
  BuildStatus,
  isTerminalPhase,
} from './types';

/**
 * Where a test may stop the controller, as if it were killed there: after
 * applying a Build but before acking the message, after creating the Job,
 * and after publishing a result but before recording that.
 */
export type FaultPoint = 'afterApply' | 'afterJobCreate' | 'afterPublish';
export type FaultInjector = (
  point: FaultPoint,
  /** For `afterPublish`: the phase whose reports were published. */
  context?: { phase?: BuildPhase },
) => void | Promise<void>;

/** Confirmed publishing, as kli8nt-node's WorkQueue does it. */
export interface Publisher {
  publish(queue: string, message: Kli8ntMessage): Promise<void>;
}

export interface BuildClients {
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

/** Field manager of the clone Secret's owner reference (see `cloneSecretOwnership`). */
export const OWNER_FIELD_MANAGER = 'kli8nt-build-owner';

/** How many log lines of a failed step are fetched when the kubelet kept none. */
const FAILED_LOG_LINES = 30;

export class BuildReconciler {
  constructor(
    private readonly deps: {
      clients: BuildClients;
      publisher: Publisher;
      config: BuildConfig;
      logger: Logger;
      clock: Clock;
      /** The informer's view of a build's Job, to spare finished builds a GET. */
      cachedJob?: (namespace: string, name: string) => V1Job | undefined;
      faults?: FaultInjector;
      /** Records each phase change as an Event on the Build. */
      events?: EventRecorder;
    },
  ) {}

  private get api() {
    return this.deps.clients;
  }

  /** One level-triggered pass over the Build named by `key`. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseObjectKey(key);
    const build = await this.getBuild(namespace, name);
    if (!build || build.metadata.deletionTimestamp) return undefined;
    const now = new Date(this.deps.clock.now());
    const logger = this.deps.logger.child({
      build: key,
      deploymentId: build.spec.deploymentId,
    });

    if (isTerminalPhase(build.status?.phase)) {
      return this.finish(build, now, logger);
    }

    let job = await this.getJob(namespace, name);

    if (build.spec.cancelled) {
      if (job) await this.deleteJob(job, logger);
      await this.writeStatus(
        build,
        terminalStatus(
          build,
          'Cancelled',
          'Cancelled',
          'Cancelled on request',
          now,
        ),
      );
      return this.finish(build, now, logger);
    }

    if (!job) {
      const problem = await this.cannotStart(build, now);
      if (problem) {
        logger.warn('build cannot start', { reason: problem.reason });
        await this.writeStatus(
          build,
          terminalStatus(build, 'Failed', problem.reason, problem.message, now),
        );
        return this.finish(build, now, logger);
      }
      job = await this.createJob(desiredJob(build, this.deps.config, now));
      logger.info('build job created', { job: job.metadata?.name });
      await this.deps.faults?.('afterJobCreate');
    }

    if (build.spec.cloneSecretName && build.status?.jobName !== name) {
      await this.ownCloneSecret(build, job);
    }

    const finished = job.status?.conditions?.some(
      c =>
        (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const pods = finished ? await this.listPods(job) : [];
    let observation = observeJob(job, pods);

    if (observation.state === 'succeeded' && !observation.imageDigest) {
      // The kubelet writes the termination message with the final state, so
      // this only lasts until the pod's status is visible; past the grace
      // period Kaniko never wrote a digest.
      const waited = now.getTime() - Date.parse(observation.finishedAt);
      if (waited < this.deps.config.digestGraceMs) {
        logger.info('waiting for the image digest');
        return {
          requeueAfterMs: Math.min(
            2_000,
            this.deps.config.digestGraceMs - waited,
          ),
        };
      }
      observation = {
        state: 'failed',
        startedAt: observation.startedAt,
        finishedAt: observation.finishedAt,
        reason: 'DigestMissing',
        message: 'The build succeeded but reported no image digest',
      };
    }

    if (
      observation.state === 'failed' &&
      observation.step?.container &&
      !observation.step.lines &&
      pods[0]
    ) {
      const lines = await this.tailLogs(
        pods[0].metadata!.name!,
        namespace,
        observation.step.container,
        logger,
      );
      if (lines) {
        const step = { ...observation.step, lines };
        observation = {
          ...observation,
          step,
          message:
            observation.reason === 'DeadlineExceeded'
              ? cleanLogText(`${observation.message}\n${lines}`)
              : formatFailure(step),
        };
      }
    }

    const status = statusFromObservation(
      build,
      name,
      observation,
      imageRepository(this.deps.config, build.spec.app),
      now,
    );
    await this.writeStatus(build, status);

    if (isTerminalPhase(status.phase)) {
      logger.info('build finished', {
        phase: status.phase,
        reason: status.reason,
        imageDigest: status.imageDigest,
      });
      return this.finish(build, now, logger);
    }
    if (status.phase === 'Building' && !isReported(status)) {
      await this.report(build, now, logger);
    }
    return undefined;
  }

  /**
   * A finished build: publish its outcome (idempotently, see `reports.ts`),
   * then record that it was reported, then clean up.
   */
  private async finish(
    build: BuildResource,
    now: Date,
    logger: Logger,
  ): Promise<ReconcileResult> {
    const { namespace, name } = build.metadata;
    const phase = build.status?.phase;
    if (!isReported(build.status)) {
      await this.report(build, now, logger);
      if (build.spec.cloneSecretName) {
        await this.ignoreNotFound(() =>
          this.api.core.deleteNamespacedSecret({
            name: build.spec.cloneSecretName!,
            namespace,
          }),
        );
      }
    }
    // A failed Job stays until its TTL for inspection; the others go now.
    if (phase === 'Succeeded' || phase === 'Cancelled') {
      const job = this.deps.cachedJob
        ? this.deps.cachedJob(namespace, name)
        : await this.getJob(namespace, name);
      if (job && !job.metadata?.deletionTimestamp) {
        await this.deleteJob(job, logger);
      }
    }
    return undefined;
  }

  /** Publishes the reports of the build's phase (confirmed), then marks it reported. */
  private async report(build: BuildResource, now: Date, logger: Logger) {
    for (const { queue, message } of reportsFor(build)) {
      await this.deps.publisher.publish(queue, message);
      logger.info('published', {
        queue,
        type: message.type,
        messageId: message.messageId,
        ...(message.type === 'StatusReport'
          ? { status: message.payload.status }
          : {}),
      });
    }
    await this.deps.faults?.('afterPublish', { phase: build.status?.phase });
    await this.writeStatus(build, markReported(build, build.status ?? {}, now));
  }

  /** Why a Job must not be created for this build, if it must not. */
  private async cannotStart(
    build: BuildResource,
    now: Date,
  ): Promise<{ reason: string; message: string } | undefined> {
    if (build.status?.jobName) {
      return {
        reason: 'JobDeleted',
        message: 'The build Job was deleted before the build finished',
      };
    }
    if (remainingBuildSeconds(build, this.deps.config, now) <= 0) {
      return {
        reason: 'DeadlineExceeded',
        message: 'The build did not start within its deadline',
      };
    }
    const secret = build.spec.cloneSecretName;
    if (secret) {
      const found = await this.ignoreNotFound(() =>
        this.api.core.readNamespacedSecret({
          name: secret,
          namespace: build.metadata.namespace,
        }),
      );
      if (!found) {
        return {
          reason: 'CloneSecretMissing',
          message: 'The clone token of this build is gone',
        };
      }
    }
    return undefined;
  }

  private async getBuild(
    namespace: string,
    name: string,
  ): Promise<BuildResource | undefined> {
    return this.ignoreNotFound(
      () =>
        this.api.custom.getNamespacedCustomObject({
          group: BUILD_GROUP,
          version: BUILD_VERSION,
          plural: BUILD_PLURAL,
          namespace,
          name,
        }) as Promise<BuildResource>,
    );
  }

  private getJob(namespace: string, name: string) {
    return this.ignoreNotFound(() =>
      this.api.batch.readNamespacedJob({ name, namespace }),
    );
  }

  /** Creates the Job; one that exists already (same name) is the same Job. */
  private async createJob(job: V1Job): Promise<V1Job> {
    const namespace = job.metadata!.namespace!;
    try {
      return await this.api.batch.createNamespacedJob({ namespace, body: job });
    } catch (error) {
      if (!isConflict(error)) throw error;
      return this.api.batch.readNamespacedJob({
        name: job.metadata!.name!,
        namespace,
      });
    }
  }

  private async deleteJob(job: V1Job, logger: Logger) {
    await this.ignoreNotFound(() =>
      this.api.batch.deleteNamespacedJob({
        name: job.metadata!.name!,
        namespace: job.metadata!.namespace!,
        propagationPolicy: 'Background',
      }),
    );
    logger.info('build job deleted', { job: job.metadata?.name });
  }

  private async ownCloneSecret(build: BuildResource, job: V1Job) {
    await this.ignoreNotFound(async () => {
      // Apply creates what is missing, so check the Secret is there first.
      await this.api.core.readNamespacedSecret({
        name: build.spec.cloneSecretName!,
        namespace: build.metadata.namespace,
      });
      await applyObject(
        this.api.objects,
        cloneSecretOwnership(build, job),
        OWNER_FIELD_MANAGER,
      );
    });
  }

  private async listPods(job: V1Job) {
    const list = await this.api.core.listNamespacedPod({
      namespace: job.metadata!.namespace!,
      labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata!.uid}`,
    });
    return list.items;
  }

  private async tailLogs(
    pod: string,
    namespace: string,
    container: string,
    logger: Logger,
  ): Promise<string> {
    try {
      const text = await this.api.core.readNamespacedPodLog({
        name: pod,
        namespace,
        container,
        tailLines: FAILED_LOG_LINES,
        limitBytes: 16_384,
      });
      return cleanLogText(String(text ?? ''));
    } catch (error) {
      // The report goes out without log lines rather than not at all.
      logger.warn('could not read the failed step logs', {
        pod,
        container,
        error,
      });
      return '';
    }
  }

  /**
   * Writes the status at the version this pass read (a 409 if another
   * writer moved the Build since), keeps `build` current, and records a
   * phase change as an Event on the Build.
   */
  private async writeStatus(build: BuildResource, status: BuildStatus) {
    if (sameStatus(build.status, status)) return;
    const event = transitionEvent(build.status, status);
    const { namespace, name } = build.metadata;
    const ref = {
      group: BUILD_GROUP,
      version: BUILD_VERSION,
      plural: BUILD_PLURAL,
      namespace,
      name,
    };
    await writeStatusAt(this.api.custom, ref, build, compactStatus(status));
    if (event) await this.deps.events?.record(build, event);
  }

  private async ignoreNotFound<T>(
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
