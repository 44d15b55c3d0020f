import type { Kli8ntMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import type { V1Job } from '@kubernetes/client-node';
import {
  Clock,
  Logger,
  parseObjectKey,
  ReconcileResult,
  retryOnConflict,
} from '../runtime';
import type { EventRecorder } from '../runtime';
import type { BuildConfig } from '../config';
import { BuildClients, BuildJobs } from './buildJobs';
import { desiredJob, remainingBuildSeconds } from './desired';
import { imageRepository } from './jobParts';
import { cleanLogText, formatFailure, observeJob } from './observe';
import { newReportKey } from '../runtime/reportIds';
import { reportsFor } from './reports';
import {
  isReported,
  markReported,
  statusFromObservation,
  terminalStatus,
} from './status';
import { BuildPhase, BuildResource, isTerminalPhase } from './types';

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
  ) {
    this.jobs = new BuildJobs(deps.clients, deps.events);
  }

  /** The Kubernetes reads and writes (`buildJobs.ts`). */
  private readonly jobs: BuildJobs;

  /**
   * Reconciles the Build named by `key`; a pass that lost a status write to
   * another writer (409) runs again on the Build as it is now.
   */
  reconcile(key: string): Promise<ReconcileResult> {
    return retryOnConflict(() => this.pass(key));
  }

  /** One level-triggered pass over the Build named by `key`. */
  private async pass(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseObjectKey(key);
    const build = await this.jobs.getBuild(namespace, name);
    if (!build || build.metadata.deletionTimestamp) return undefined;
    const now = new Date(this.deps.clock.now());
    const logger = this.deps.logger.child({
      build: key,
      deploymentId: build.spec.deploymentId,
    });

    if (isTerminalPhase(build.status?.phase)) {
      return this.finish(build, now, logger);
    }

    let job = await this.jobs.getJob(namespace, name);

    if (build.spec.cancelled) {
      if (job) await this.jobs.deleteJob(job, logger);
      await this.jobs.writeStatus(
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
        await this.jobs.writeStatus(
          build,
          terminalStatus(build, 'Failed', problem.reason, problem.message, now),
        );
        return this.finish(build, now, logger);
      }
      job = await this.jobs.createJob(desiredJob(build, this.deps.config, now));
      logger.info('build job created', { job: job.metadata?.name });
      await this.deps.faults?.('afterJobCreate');
    }

    if (build.spec.cloneSecretName && build.status?.jobName !== name) {
      await this.jobs.ownCloneSecret(build, job);
    }

    const finished = job.status?.conditions?.some(
      c =>
        (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const pods = finished ? await this.jobs.listPods(job) : [];
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
      const lines = await this.jobs.tailLogs(
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
    await this.jobs.writeStatus(build, status);

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
        await this.jobs.deleteSecret(namespace, build.spec.cloneSecretName);
      }
    }
    // A failed Job stays until its TTL for inspection; the others go now.
    if (phase === 'Succeeded' || phase === 'Cancelled') {
      const job = this.deps.cachedJob
        ? this.deps.cachedJob(namespace, name)
        : await this.jobs.getJob(namespace, name);
      if (job && !job.metadata?.deletionTimestamp) {
        await this.jobs.deleteJob(job, logger);
      }
    }
    return undefined;
  }

  /** Publishes the reports of the build's phase (confirmed), then marks it reported. */
  private async report(build: BuildResource, now: Date, logger: Logger) {
    if (!build.status?.reportKey) {
      // Stored before anything is published, so a copy sent again after a
      // crash carries the same ids; a second writer gets a 409 and reads it.
      await this.jobs.writeStatus(build, {
        ...build.status,
        reportKey: newReportKey(),
      });
    }
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
    await this.jobs.writeStatus(
      build,
      markReported(build, build.status ?? {}, now),
    );
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
      const found = await this.jobs.getSecret(build.metadata.namespace, secret);
      if (!found) {
        return {
          reason: 'CloneSecretMissing',
          message: 'The clone token of this build is gone',
        };
      }
    }
    return undefined;
  }
}
