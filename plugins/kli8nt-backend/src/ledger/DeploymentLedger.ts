import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  StatusReportMessage,
  isTerminalStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { isDeepStrictEqual } from 'node:util';
import {
  AppRecord,
  DeploymentRecord,
  Kli8ntStore,
  StoredAppSettings,
} from '../database/types';
import { withRoutedDomains } from '../domains/routedDomains';
import { DeploymentNotifier } from '../inform/DeploymentNotifier';
import {
  Kli8ntLimits,
  LimitExceededError,
  assertAppSize,
  assertBuildSlots,
} from '../limits/limits';
import { imageProcesses } from './imageProcesses';
import {
  ProcessNameConflictError,
  assertNameFreeOfWorkers,
  assertWorkerNamesFree,
  currentWorkers,
} from './workerNames';
import {
  BuildPayload,
  RolloutReason,
  buildRequest,
  configDeployment,
  deleteRequest,
  rolloutRequest,
} from './requests';
import {
  Txn,
  append,
  decide,
  entry,
  runInApp,
  stopBuild,
  supersedeOthersOnLive,
} from './txn';
import { decideBuilt, decideCancel, isBuild, rolloutEffects } from './decide';

/**
 * The one place that decides about deployments. Every change — a request
 * accepted, a report from a controller, a cancel, a delete, a settings save —
 * runs as one transaction on the app (see `Kli8ntStore.inApp`): it records
 * the event, folds the deployment's status from all its events, decides the
 * follow-ups (`decide.ts`: roll out, supersede, cancel a build) and enqueues
 * their messages in the outbox. Decisions are stored as events too (source
 * `portal`), so the status is always the fold of the history. Browsers and
 * GitHub hear about changes only after the commit.
 */
export class DeploymentLedger {
  constructor(
    private readonly options: {
      store: Kli8ntStore;
      notifier: DeploymentNotifier;
      logger: LoggerService;
      /** Wakes the outbox relay after a commit. */
      kickRelay(): void;
      /** The operator's caps; absent: none (tests of other components). */
      limits?: Kli8ntLimits;
      now?: () => Date;
    },
  ) {}

  private run<T>(appName: string, fn: (txn: Txn) => Promise<T>): Promise<T> {
    return runInApp(this.options, appName, fn);
  }

  /**
   * Accepts a request: stores the app if new, gives the deployment the app's
   * next sequence, and enqueues its build, or its rollout at once when it
   * reuses an image. `settings`, when given, are the app's from now on
   * (a preview follows its parent's), saved in the same transaction.
   */
  async accept(request: {
    app: AppRecord;
    deployment: DeploymentRecord;
    build?: BuildPayload;
    rollout?: { reason: 'redeploy' | 'rollback' };
    settings?: StoredAppSettings;
  }): Promise<DeploymentRecord> {
    return this.run(request.app.appName, async txn => {
      const { tx } = txn;
      if (!(await tx.getApp(request.app.entityRef))) {
        // A new app: AppDirectory checked its name outside any lock; check
        // again holding the lock of the app whose worker it could be, so
        // that app's next rollout sees this one (or this one sees it).
        await assertNameFreeOfWorkers(
          tx,
          owner => currentWorkers(tx, owner.appName, { lock: true }),
          request.app.appName,
          request.app.cluster,
        );
      }
      await tx.saveApp(request.app);
      let app = (await tx.getApp(request.app.entityRef))!;
      if (
        request.settings &&
        !isDeepStrictEqual(request.settings, app.settings)
      ) {
        app = {
          ...app,
          settings: request.settings,
          settingsVersion: app.settingsVersion + 1,
          updatedAt: txn.now.toISOString(),
        };
        await tx.saveApp(app, { replace: true });
      }
      const { limits } = this.options;
      if (request.build) await assertBuildSlots(limits, tx, app);
      assertAppSize(limits, app.settings, undefined);
      const sequence = await tx.nextSequence();
      const deployment: DeploymentRecord = { ...request.deployment, sequence };
      await tx.insertDeployment(deployment);
      if (request.build) {
        const routed = await withRoutedDomains(tx, app);
        await tx.enqueue([buildRequest(routed, deployment, request.build)]);
        return deployment;
      }
      return this.rollOut(
        txn,
        deployment,
        app,
        request.rollout?.reason ?? 'redeploy',
        sequence,
      );
    });
  }

  /** Applies a controller's report and decides what follows from it. */
  async record(
    report: StatusReportMessage,
  ): Promise<DeploymentRecord | undefined> {
    const { logger } = this.options;
    return this.run(report.payload.app, async txn => {
      const found = await txn.tx.getDeployment(report.deploymentId);
      if (!found) {
        logger.warn(
          `Ignoring status report ${report.messageId}: deployment ${report.deploymentId} does not exist (its app was deleted?)`,
        );
        return undefined;
      }
      if (found.appName !== report.payload.app) {
        logger.warn(
          `Ignoring status report ${report.messageId}: it names app ${report.payload.app}, deployment ${found.id} belongs to ${found.appName}`,
        );
        return found;
      }
      if (isTerminalStatus(found.status)) {
        // A history ends with its first final event (the only later one is
        // the ledger's own `superseded` of a live deployment, see supersedeOthersOnLive).
        // What comes after is about work that already ended: the build role
        // confirming a cancel or reporting the killed build failed, a
        // dead-lettered or parked copy of a message, a redelivery. It is
        // logged and dropped, never a second final event (found by the
        // chaos run, bench/src/chaos: 28 deployments cancelled twice).
        logger.info(
          `Ignoring status report ${report.messageId} (${report.payload.status} from ${report.payload.source}): deployment ${found.id} already ended ${found.status}`,
        );
        return found;
      }
      const deployment = await append(txn, found, report);
      if (deployment.status === 'built') return this.onBuilt(txn, deployment);
      if (deployment.status === 'live')
        return supersedeOthersOnLive(txn, deployment);
      return deployment;
    });
  }

  /** Cancels work that has not reached a deploy controller; else 409. */
  async cancel(
    deployment: DeploymentRecord,
    cancelledBy: string,
  ): Promise<DeploymentRecord> {
    return this.run(deployment.appName, async txn => {
      const current = await txn.tx.getDeployment(deployment.id);
      if (!current) {
        throw new NotFoundError(`Deployment ${deployment.id} was not found`);
      }
      const decision = decideCancel(entry(current));
      if (decision.kind === 'refuse') {
        throw new ConflictError(
          `Deployment ${current.id} cannot be cancelled: ${decision.reason}`,
        );
      }
      await stopBuild(txn, current, decision.cancelBuild);
      return decide(
        txn,
        current,
        'cancelled',
        'Cancelled',
        `Cancelled by ${cancelledBy}`,
      );
    });
  }

  /**
   * Deletes the app: its history goes, its running builds are cancelled, and
   * the deploy controller gets a delete with a sequence that no earlier
   * request can cross (the tombstone).
   */
  async deleteApp(app: AppRecord): Promise<void> {
    await this.run(app.appName, async txn => {
      const { tx } = txn;
      if (!(await tx.getApp(app.entityRef))) {
        throw new NotFoundError(`${app.entityRef} has no app`);
      }
      const active = await tx.activeDeployments();
      const sequence = await tx.nextSequence();
      await tx.markDeleted(sequence);
      await tx.deleteApp(app.entityRef);
      for (const d of active) {
        if (d.rolloutSequence === undefined && isBuild(d.trigger)) {
          await stopBuild(txn, d, true);
        }
      }
      await tx.enqueue([deleteRequest(app, sequence)]);
    });
  }

  /**
   * Saves settings (refused with 409 when `expectedVersion` is given and is
   * not the stored one). If an image runs or is rolling out, it is rolled
   * out again with them: a `config` deployment.
   */
  async saveSettings(options: {
    app: AppRecord;
    change: (current: StoredAppSettings) => StoredAppSettings;
    expectedVersion?: number;
    requestedBy: string;
  }): Promise<{ app: AppRecord; deployment?: DeploymentRecord }> {
    return this.run(options.app.appName, async txn => {
      const { tx, now } = txn;
      const current = (await tx.getApp(options.app.entityRef)) ?? options.app;
      const expected = options.expectedVersion;
      if (expected !== undefined && expected !== current.settingsVersion) {
        throw new ConflictError(
          `The settings were saved by someone else meanwhile (version ${current.settingsVersion}, yours is ${expected}); reload them and apply your change again`,
        );
      }
      const app: AppRecord = {
        ...current,
        settings: options.change(current.settings),
        settingsVersion: current.settingsVersion + 1,
        updatedAt: now.toISOString(),
      };
      const [source] = (await tx.activeDeployments())
        // The image rolled out last, live or still on its way.
        .filter(
          d => d.rolloutSequence !== undefined && d.image && d.imageDigest,
        )
        .sort((a, b) => b.rolloutSequence! - a.rolloutSequence!);
      if (!source) {
        assertAppSize(this.options.limits, app.settings, undefined);
        await tx.saveApp(app, { replace: true });
        return { app };
      }
      await tx.saveApp(app, { replace: true });
      const sequence = await tx.nextSequence();
      const deployment = configDeployment({
        app,
        source,
        requestedBy: options.requestedBy,
        sequence,
        now,
      });
      await tx.insertDeployment(deployment);
      return {
        app,
        deployment: await this.rollOut(
          txn,
          deployment,
          app,
          'config',
          sequence,
        ),
      };
    });
  }

  /**
   * Sends the deployment's image to the deploy queue with the app's current
   * settings, under a new rollout sequence, and ends what it replaces.
   */
  private async rollOut(
    txn: Txn,
    deployment: DeploymentRecord,
    app: AppRecord,
    reason: RolloutReason,
    sequence?: number,
  ): Promise<DeploymentRecord> {
    const { tx } = txn;
    // Before any write: a refusal leaves the transaction as it found it.
    const processes = await imageProcesses(tx, deployment);
    assertAppSize(this.options.limits, app.settings, processes);
    await assertWorkerNamesFree(tx, app, processes);
    const others = await tx.activeDeployments();
    const rolloutSequence = sequence ?? (await tx.nextSequence());
    await tx.setRolloutSequence(deployment.id, rolloutSequence);
    const rolledOut = { ...deployment, rolloutSequence };
    await tx.enqueue([
      rolloutRequest({
        app: await withRoutedDomains(tx, app),
        deployment,
        reason,
        rolloutSequence,
        processes,
        now: txn.now,
      }),
    ]);
    const effects = rolloutEffects(entry(rolledOut), others.map(entry));
    for (const id of effects.supersede) {
      const other = others.find(o => o.id === id)!;
      await stopBuild(txn, other, effects.cancelBuilds.includes(id));
      await decide(
        txn,
        other,
        'superseded',
        'Superseded',
        `Replaced by deployment ${deployment.id}`,
      );
    }
    return rolledOut;
  }

  private async onBuilt(txn: Txn, deployment: DeploymentRecord) {
    const { tx } = txn;
    const others = await tx.activeDeployments();
    const decision = decideBuilt(
      entry(deployment),
      others.map(entry),
      await tx.deletedSequence(),
    );
    const app = await tx.getApp(deployment.entityRef);
    if (decision.kind === 'deleted' || (decision.kind === 'rollOut' && !app)) {
      return decide(
        txn,
        deployment,
        'cancelled',
        'AppDeleted',
        'The app was deleted',
      );
    }
    if (decision.kind === 'superseded') {
      return decide(
        txn,
        deployment,
        'superseded',
        'Superseded',
        `Deployment ${decision.by} was requested later and already rolled out`,
      );
    }
    if (decision.kind === 'none') return deployment;
    if (!deployment.image || !deployment.imageDigest) {
      return decide(
        txn,
        deployment,
        'failed',
        'ImageMissing',
        'The build reported success without an image and digest',
      );
    }
    try {
      return await this.rollOut(txn, deployment, app!, 'build');
    } catch (error) {
      // The image's processes cannot run: nobody waits for an answer, so
      // the deployment ends with the reason.
      if (
        !(error instanceof LimitExceededError) &&
        !(error instanceof ProcessNameConflictError)
      ) {
        throw error;
      }
      return decide(txn, deployment, 'failed', error.reason, error.message);
    }
  }
}
