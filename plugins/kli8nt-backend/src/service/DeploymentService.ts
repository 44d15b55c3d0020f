import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Kli8ntMessage,
  UpdateAppSettingsRequest,
  appNameFromEntity,
  buildQueueName,
  createMessage,
  deployQueueName,
  isTerminalStatus,
  kli8ntAppConfigurePermission,
  kli8ntDeploymentCreatePermission,
  kli8ntDeploymentReadPermission,
} from '@internal/backstage-plugin-kli8nt-common';
import { randomUUID } from 'node:crypto';
import { Kli8ntBackendConfig } from '../config';
import {
  AppRecord,
  DeploymentRecord,
  DeploymentTrigger,
  Kli8ntStore,
  OutboxMessage,
} from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import { repoFromEntity } from '../github/repo';
import { DeploymentNotifier } from '../inform/DeploymentNotifier';
import { StatusUpdater } from '../inform/StatusUpdater';
import { EntityAccess } from './EntityAccess';
import { DEFAULT_SETTINGS, appConfigOf, applySettingsPatch } from './settings';

export interface DeploymentServiceOptions {
  store: Kli8ntStore;
  github: GithubGateway;
  access: EntityAccess;
  config: Kli8ntBackendConfig;
  notifier: DeploymentNotifier;
  statusUpdater: StatusUpdater;
  logger: LoggerService;
  /** Wakes the outbox relay after a write. */
  kickRelay(): void;
  /**
   * Set when messages go to the in-memory queue: nothing consumes them, and
   * each new deployment says so instead of pretending to progress.
   */
  embeddedQueue?: boolean;
  now?: () => Date;
}

function userRef(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? principal.type;
}

function outboxOf(queue: string, message: Kli8ntMessage): OutboxMessage {
  return {
    queue,
    messageId: message.messageId,
    deploymentId: message.deploymentId,
    message,
  };
}

/** The use cases of the REST API, on top of store, GitHub and permissions. */
export class DeploymentService {
  constructor(private readonly options: DeploymentServiceOptions) {}

  private now() {
    return this.options.now?.() ?? new Date();
  }

  private appFor(entity: Entity, existing?: AppRecord): AppRecord {
    if (existing) return existing;
    const now = this.now().toISOString();
    return {
      entityRef: stringifyEntityRef(entity),
      appName: appNameFromEntity({
        name: entity.metadata.name,
        namespace: entity.metadata.namespace,
        annotations: entity.metadata.annotations,
      }),
      cluster: this.options.config.cluster,
      settings: DEFAULT_SETTINGS,
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * The app name of an entity, resolved as deploys resolve it: a ConflictError
   * when another entity holds the name.
   */
  async appNameOf(entity: Entity): Promise<string> {
    return (await this.resolveApp(entity)).app.appName;
  }

  /** The app record of an entity, stored or default, checked for name clashes. */
  private async resolveApp(
    entity: Entity,
  ): Promise<{ app: AppRecord; stored: boolean }> {
    const entityRef = stringifyEntityRef(entity);
    const stored = await this.options.store.getApp(entityRef);
    const app = this.appFor(entity, stored);
    if (!stored) {
      const clash = await this.options.store.getAppByName(app.appName);
      if (clash && clash.entityRef !== entityRef) {
        throw new ConflictError(
          `App name '${app.appName}' is already used by ${clash.entityRef}; set the kli8nt.io/app annotation`,
        );
      }
    }
    return { app, stored: Boolean(stored) };
  }

  private queuedMessage(queue: string): string | undefined {
    if (!this.options.embeddedQueue) return undefined;
    return `Waiting in ${queue}: this backend runs with the in-memory work queue (no kli8nt.rabbitmq config), so no cluster consumes it`;
  }

  private async accepted(deployment: DeploymentRecord, queue: string) {
    this.options.kickRelay();
    if (this.options.embeddedQueue) {
      this.options.logger.warn(
        `Deployment ${deployment.id} of ${deployment.appName} stays queued: no cluster consumes ${queue} with the in-memory work queue; configure kli8nt.rabbitmq to deploy`,
      );
    }
    await this.createGithubDeployment(deployment);
    await this.options.notifier.statusChanged(deployment);
  }

  private async createGithubDeployment(deployment: DeploymentRecord) {
    const { github, config, store, logger } = this.options;
    if (!config.github.deployments || !deployment.repo) return;
    try {
      const id = await github.createDeployment(deployment.repo, {
        sha: deployment.commitSha,
        environment: config.github.environment,
        description: `${deployment.trigger} of ${deployment.ref} by ${deployment.requestedBy}`,
        deploymentId: deployment.id,
      });
      await store.setGithubDeploymentId(deployment.id, id);
      deployment.githubDeploymentId = id;
    } catch (error) {
      logger.warn(
        `Could not create a GitHub deployment for ${deployment.id}; its status will not be mirrored`,
        { error: String(error) },
      );
    }
  }

  async deploy(options: {
    entityRef: string;
    ref?: string;
    credentials: BackstageCredentials;
    trigger: DeploymentTrigger;
  }): Promise<DeploymentRecord> {
    const { store, github, access } = this.options;
    const entity = await access.load(
      options.entityRef,
      kli8ntDeploymentCreatePermission,
      options.credentials,
    );
    const entityRef = stringifyEntityRef(entity);
    const repo = repoFromEntity(entity, {
      defaultHost: this.options.config.github.host,
      isGithubHost: host => github.isGithubHost(host),
    });
    const { app } = await this.resolveApp(entity);
    const info = await github.getRepository(repo);
    const ref = options.ref ?? info.defaultBranch;
    const commitSha = await github.resolveCommit(repo, ref);

    const now = this.now().toISOString();
    const id = randomUUID();
    const queue = buildQueueName(app.cluster);
    const message = createMessage('BuildRequested', {
      deploymentId: id,
      occurredAt: now,
      payload: {
        app: app.appName,
        entityRef,
        cluster: app.cluster,
        repo: { owner: repo.owner, name: repo.name, cloneUrl: info.cloneUrl },
        revision: commitSha,
        ref,
        buildArgs: {},
        config: appConfigOf(app.settings),
      },
    });
    const deployment: DeploymentRecord = {
      id,
      entityRef,
      appName: app.appName,
      cluster: app.cluster,
      trigger: options.trigger,
      ref,
      commitSha,
      repo,
      requestedBy: userRef(options.credentials),
      status: 'queued',
      message: this.queuedMessage(queue),
      createdAt: now,
      updatedAt: now,
    };
    await store.createDeployment({
      deployment,
      app,
      outbox: [outboxOf(queue, message)],
    });
    await this.accepted(deployment, queue);
    return deployment;
  }

  /** Rolls out the image of an earlier deployment again, without a build. */
  async redeploy(options: {
    deploymentId: string;
    reason: 'redeploy' | 'rollback';
    credentials: BackstageCredentials;
  }): Promise<DeploymentRecord> {
    const { store, access } = this.options;
    const source = await this.getDeploymentRecord(options.deploymentId);
    await access.authorize(
      source.entityRef,
      kli8ntDeploymentCreatePermission,
      options.credentials,
    );
    const { image, imageDigest } = source;
    if (!image || !imageDigest) {
      throw new ConflictError(
        `Deployment ${source.id} has no image to ${options.reason}`,
      );
    }
    const app = await store.getApp(source.entityRef);
    if (!app) {
      throw new NotFoundError(`The app of ${source.entityRef} was deleted`);
    }
    const deployment = await this.rollOut({
      source: { ...source, image, imageDigest },
      app,
      reason: options.reason,
      credentials: options.credentials,
    });
    return deployment;
  }

  /**
   * A new deployment of the source's image with the app's current settings,
   * sent straight to the deploy queue. With `saveApp` the settings are
   * written in the same transaction.
   */
  private async rollOut(options: {
    source: DeploymentRecord & { image: string; imageDigest: string };
    app: AppRecord;
    reason: 'redeploy' | 'rollback' | 'config';
    credentials: BackstageCredentials;
    saveApp?: boolean;
  }): Promise<DeploymentRecord> {
    const { source, app, reason } = options;
    const now = this.now().toISOString();
    const id = randomUUID();
    const queue = deployQueueName(app.cluster);
    const message = createMessage('DeployRequested', {
      deploymentId: id,
      occurredAt: now,
      payload: {
        app: app.appName,
        entityRef: app.entityRef,
        cluster: app.cluster,
        image: source.image,
        imageDigest: source.imageDigest,
        revision: source.commitSha,
        reason,
        config: appConfigOf(app.settings),
      },
    });
    const deployment: DeploymentRecord = {
      id,
      entityRef: app.entityRef,
      appName: app.appName,
      cluster: app.cluster,
      trigger: reason,
      ref: source.ref,
      commitSha: source.commitSha,
      repo: source.repo,
      sourceDeploymentId: source.id,
      requestedBy: userRef(options.credentials),
      image: source.image,
      imageDigest: source.imageDigest,
      status: 'queued',
      message: this.queuedMessage(queue),
      createdAt: now,
      updatedAt: now,
    };
    await this.options.store.createDeployment({
      deployment,
      app,
      outbox: [outboxOf(queue, message)],
      saveApp: options.saveApp,
    });
    await this.accepted(deployment, queue);
    return deployment;
  }

  /**
   * Cancels a deployment. If its request has not left the outbox yet it is
   * withdrawn and the deployment is cancelled right away; otherwise the
   * cluster is asked to stop and reports `cancelled` itself.
   */
  async cancel(options: {
    deploymentId: string;
    credentials: BackstageCredentials;
  }): Promise<DeploymentRecord> {
    const { store, access } = this.options;
    const deployment = await this.getDeploymentRecord(options.deploymentId);
    await access.authorize(
      deployment.entityRef,
      kli8ntDeploymentCreatePermission,
      options.credentials,
    );
    if (isTerminalStatus(deployment.status)) {
      throw new ConflictError(
        `Deployment ${deployment.id} is already ${deployment.status}`,
      );
    }
    // Whoever holds the deployment now gets the cancel: the build controller
    // until the image is built, the deploy controller after.
    const building =
      (deployment.trigger === 'manual' ||
        deployment.trigger === 'scaffolder') &&
      (deployment.status === 'queued' || deployment.status === 'building');
    const queue = building
      ? buildQueueName(deployment.cluster)
      : deployQueueName(deployment.cluster);
    const cancel = createMessage('CancelRequested', {
      deploymentId: deployment.id,
      payload: { app: deployment.appName, cluster: deployment.cluster },
    });
    // The cancel request goes out in any case: the relay may be publishing
    // the withdrawn message at this very moment.
    const withdrawn = await store.withdrawPending(deployment.id, [
      outboxOf(queue, cancel),
    ]);
    this.options.kickRelay();
    if (withdrawn === 0) {
      return deployment;
    }
    const updated = await this.options.statusUpdater.apply(
      createMessage('StatusReport', {
        deploymentId: deployment.id,
        payload: {
          app: deployment.appName,
          cluster: deployment.cluster,
          status: 'cancelled',
          reason: 'CancelledBeforeDispatch',
          message: `Cancelled by ${userRef(
            options.credentials,
          )} before it reached a cluster`,
          source: queue.startsWith('build.') ? 'build' : 'deploy',
        },
      }),
    );
    return updated ?? deployment;
  }

  private async getDeploymentRecord(id: string): Promise<DeploymentRecord> {
    const deployment = await this.options.store.getDeployment(id);
    if (!deployment) {
      throw new NotFoundError(`Deployment ${id} was not found`);
    }
    return deployment;
  }

  async getDeployment(id: string, credentials: BackstageCredentials) {
    const deployment = await this.getDeploymentRecord(id);
    await this.options.access.authorize(
      deployment.entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const events = await this.options.store.listEvents(id);
    return { deployment, events };
  }

  async listDeployments(options: {
    entityRef: string;
    limit: number;
    cursor?: string;
    credentials: BackstageCredentials;
  }) {
    await this.options.access.authorize(
      options.entityRef,
      kli8ntDeploymentReadPermission,
      options.credentials,
    );
    return this.options.store.listDeployments(options.entityRef, {
      limit: options.limit,
      cursor: options.cursor,
    });
  }

  async getSettings(entityRef: string, credentials: BackstageCredentials) {
    const entity = await this.options.access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    return this.resolveApp(entity);
  }

  /**
   * Saves the settings. When the app is live, its image is rolled out again
   * with them (a `config` deployment), in the same transaction.
   */
  async updateSettings(options: {
    entityRef: string;
    patch: UpdateAppSettingsRequest;
    credentials: BackstageCredentials;
  }): Promise<{ app: AppRecord; deployment?: DeploymentRecord }> {
    const entity = await this.options.access.load(
      options.entityRef,
      kli8ntAppConfigurePermission,
      options.credentials,
    );
    const { app } = await this.resolveApp(entity);
    const settings = applySettingsPatch(
      app.settings,
      options.patch,
      this.options.config.secretKey,
    );
    const updated: AppRecord = {
      ...app,
      settings,
      updatedAt: this.now().toISOString(),
    };
    const [live] = await this.options.store.findDeployments(app.appName, [
      'live',
    ]);
    if (live?.image && live.imageDigest) {
      const deployment = await this.rollOut({
        source: { ...live, image: live.image, imageDigest: live.imageDigest },
        app: updated,
        reason: 'config',
        credentials: options.credentials,
        saveApp: true,
      });
      return { app: updated, deployment };
    }
    await this.options.store.upsertApp(updated);
    return { app: updated };
  }

  async deleteApp(entityRef: string, credentials: BackstageCredentials) {
    await this.options.access.authorize(
      entityRef,
      kli8ntAppConfigurePermission,
      credentials,
    );
    const app = await this.options.store.getApp(entityRef);
    if (!app) {
      throw new NotFoundError(`${entityRef} has no app`);
    }
    const message = createMessage('DeleteRequested', {
      deploymentId: randomUUID(),
      payload: { app: app.appName, cluster: app.cluster },
    });
    await this.options.store.deleteApp(entityRef, [
      outboxOf(deployQueueName(app.cluster), message),
    ]);
    this.options.kickRelay();
    return app;
  }

  async listBranches(entityRef: string, credentials: BackstageCredentials) {
    const { access, github, config } = this.options;
    const entity = await access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const repo = repoFromEntity(entity, {
      defaultHost: config.github.host,
      isGithubHost: host => github.isGithubHost(host),
    });
    const [info, branches] = await Promise.all([
      github.getRepository(repo),
      github.listBranches(repo),
    ]);
    return branches
      .map(b => ({ ...b, isDefault: b.name === info.defaultBranch }))
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  }
}
