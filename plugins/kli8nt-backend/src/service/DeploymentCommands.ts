import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  buildQueueName,
  deployQueueName,
  kli8ntAppConfigurePermission,
  kli8ntDeploymentCreatePermission,
  readSourcePath,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { randomUUID } from 'node:crypto';
import { Kli8ntBackendConfig } from '../config';
import {
  AppRecord,
  DeploymentRecord,
  DeploymentTrigger,
  Kli8ntStore,
  RepoRef,
} from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import { EntityRepoResolver } from '../github/repo';
import { DeploymentNotifier } from '../inform/DeploymentNotifier';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { AppDirectory, userRef } from './apps';
import { DeploymentQueries } from './DeploymentQueries';
import { EntityAccess } from './EntityAccess';

export interface DeploymentCommandsOptions {
  store: Kli8ntStore;
  github: GithubGateway;
  access: EntityAccess;
  apps: AppDirectory;
  queries: DeploymentQueries;
  ledger: DeploymentLedger;
  config: Kli8ntBackendConfig;
  repoOf: EntityRepoResolver;
  notifier: DeploymentNotifier;
  logger: LoggerService;
  /**
   * Set when messages go to the in-memory queue: nothing consumes them, and
   * each new deployment says so instead of pretending to progress.
   */
  embeddedQueue?: boolean;
  /**
   * How many consumers a queue has on the broker (undefined when it did not
   * answer in time), so a deployment nothing will build says so at once.
   */
  consumerCount?: (queue: string) => Promise<number | undefined>;
  now?: () => Date;
}

/**
 * The requests of the REST API that change something: deploy, redeploy,
 * rollback, cancel, delete. Each checks permissions and gathers what GitHub
 * knows, then hands the decision to the ledger.
 */
export class DeploymentCommands {
  constructor(private readonly options: DeploymentCommandsOptions) {}

  private now() {
    return this.options.now?.() ?? new Date();
  }

  private async queuedMessage(
    cluster: string,
    role: 'build' | 'deploy',
  ): Promise<string | undefined> {
    const queue = (role === 'build' ? buildQueueName : deployQueueName)(
      cluster,
    );
    if (this.options.embeddedQueue) {
      return `Waiting in ${queue}: this backend runs with the in-memory work queue (no kli8nt.rabbitmq config), so no cluster consumes it`;
    }
    // A broker that does not answer is the outbox's to retry, not this check's.
    const consumers = await this.options
      .consumerCount?.(queue)
      .catch(() => undefined);
    if (consumers !== 0) return undefined;
    this.options.logger.warn(
      `No ${role} controller consumes ${queue}: new deployments of cluster ${cluster} wait until one connects`,
    );
    return `Waiting in ${queue}: no ${role} controller of cluster ${cluster} is connected to RabbitMQ. The build starts when one connects: start that cluster's controllers (the Helm chart, or scripts/platform up locally), or check that kli8nt.cluster names a cluster that runs them`;
  }

  /**
   * Tells GitHub (a Deployment in `environment`, by default the configured
   * one) and browsers about a deployment the ledger accepted.
   */
  readonly accepted = async (
    deployment: DeploymentRecord,
    environment?: string,
  ) => {
    if (this.options.embeddedQueue) {
      this.options.logger.warn(
        `Deployment ${deployment.id} of ${deployment.appName} stays queued: no cluster consumes its queue with the in-memory work queue; configure kli8nt.rabbitmq to deploy`,
      );
    }
    await this.createGithubDeployment(deployment, environment);
    await this.options.notifier.statusChanged(deployment);
  };

  private async createGithubDeployment(
    deployment: DeploymentRecord,
    environment = this.options.config.github.environment,
  ) {
    const { github, config, store, logger } = this.options;
    if (!config.github.deployments || !deployment.repo) return;
    try {
      const id = await github.createDeployment(deployment.repo, {
        sha: deployment.commitSha,
        environment,
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

  /**
   * A private repository builds only with a GitHub App token sealed for the
   * build (never a personal access token): refused up front, with what to
   * configure, rather than failing at the clone.
   */
  private checkCloneable(repo: RepoRef, isPrivate: boolean) {
    if (!isPrivate) return;
    const missing = [
      ...(this.options.github.mintsCloneTokens(repo.host)
        ? []
        : [`a GitHub App for ${repo.host} (integrations.github[].apps)`]),
      ...(this.options.config.secretKey ? [] : ['kli8nt.secretKey']),
    ];
    if (missing.length > 0) {
      throw new InputError(
        `${repo.owner}/${
          repo.name
        } is private, and builds get only a read-only GitHub App token for their one repository, never a personal access token: configure ${missing.join(
          ' and ',
        )}. Without them only public repositories build.`,
      );
    }
  }

  async deploy(options: {
    entityRef: string;
    ref?: string;
    credentials: BackstageCredentials;
    trigger: DeploymentTrigger;
  }): Promise<DeploymentRecord> {
    const entity = await this.options.access.load(
      options.entityRef,
      kli8ntDeploymentCreatePermission,
      options.credentials,
    );
    return this.deployCommit({
      entity,
      ref: options.ref,
      trigger: options.trigger,
      requestedBy: userRef(options.credentials),
    });
  }

  /**
   * Builds and deploys a commit of the entity's repository, without a
   * permission check: callers authorize first (`deploy`), or act on a signed
   * GitHub webhook for an app whose owners turned that on (`webhooks/`).
   * `app` is the entity's app unless given (a preview: its settings, as the
   * caller derived them, are saved with the request); `commitSha` defaults
   * to the head of `ref`, `ref` to the default branch.
   */
  async deployCommit(options: {
    entity: Entity;
    app?: AppRecord;
    ref?: string;
    commitSha?: string;
    trigger: DeploymentTrigger;
    requestedBy: string;
    triggerUrl?: string;
    githubEnvironment?: string;
  }): Promise<DeploymentRecord> {
    const { github, apps, ledger, repoOf } = this.options;
    const { entity } = options;
    const repo = repoOf(entity);
    const sourcePath = readSourcePath(entity.metadata.annotations);
    const app = options.app ?? (await apps.resolve(entity)).app;
    const entityRef = app.entityRef;
    const info = await github.getRepository(repo);
    this.checkCloneable(repo, info.private);
    const ref = options.ref ?? info.defaultBranch;
    const commitSha =
      options.commitSha ?? (await github.resolveCommit(repo, ref));

    const now = this.now().toISOString();
    const deployment = await ledger.accept({
      app,
      ...(options.app ? { settings: options.app.settings } : {}),
      deployment: {
        id: randomUUID(),
        entityRef,
        appName: app.appName,
        cluster: app.cluster,
        trigger: options.trigger,
        ref,
        commitSha,
        repo,
        sourcePath: sourcePath || undefined,
        requestedBy: options.requestedBy,
        triggerUrl: options.triggerUrl,
        status: 'queued',
        message: await this.queuedMessage(app.cluster, 'build'),
        createdAt: now,
        updatedAt: now,
      },
      build: {
        app: app.appName,
        entityRef,
        cluster: app.cluster,
        repo: { owner: repo.owner, name: repo.name, cloneUrl: info.cloneUrl },
        revision: commitSha,
        ref,
        ...(sourcePath ? { sourcePath } : {}),
        buildArgs: {},
      },
    });
    await this.accepted(deployment, options.githubEnvironment);
    return deployment;
  }

  /** Rolls out the image of an earlier deployment again, without a build. */
  async redeploy(options: {
    deploymentId: string;
    reason: 'redeploy' | 'rollback';
    credentials: BackstageCredentials;
  }): Promise<DeploymentRecord> {
    const { store, access, ledger } = this.options;
    const source = await this.options.queries.getRecord(options.deploymentId);
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
    const now = this.now().toISOString();
    const deployment = await ledger.accept({
      app,
      deployment: {
        id: randomUUID(),
        entityRef: app.entityRef,
        appName: app.appName,
        cluster: app.cluster,
        trigger: options.reason,
        ref: source.ref,
        commitSha: source.commitSha,
        repo: source.repo,
        sourcePath: source.sourcePath,
        sourceDeploymentId: source.id,
        requestedBy: userRef(options.credentials),
        image,
        imageDigest,
        status: 'queued',
        message: await this.queuedMessage(app.cluster, 'deploy'),
        createdAt: now,
        updatedAt: now,
      },
      rollout: { reason: options.reason },
    });
    await this.accepted(deployment);
    return deployment;
  }

  /**
   * Cancels a deployment whose rollout has not been sent: its build is
   * withdrawn or stopped (the build controller deletes the Job) and it ends
   * `cancelled` now. Anything later is refused with 409 and the reason.
   */
  async cancel(options: {
    deploymentId: string;
    credentials: BackstageCredentials;
  }): Promise<DeploymentRecord> {
    const deployment = await this.options.queries.getRecord(
      options.deploymentId,
    );
    await this.options.access.authorize(
      deployment.entityRef,
      kli8ntDeploymentCreatePermission,
      options.credentials,
    );
    return this.options.ledger.cancel(deployment, userRef(options.credentials));
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
    await this.options.ledger.deleteApp(app);
    return app;
  }
}
