import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity, parseEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  readSourcePath,
  touchesSourcePath,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord, Kli8ntStore, RepoRef } from '../database/types';
import { GithubGateway } from '../github/GithubGateway';
import { EntityRepoResolver } from '../github/repo';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { LimitExceededError } from '../limits/limits';
import { DeploymentCommands } from '../service/DeploymentCommands';
import { GitSettingsRecord, GitStore, PreviewRecord } from './GitStore';
import { PullRequestEvent, PushEvent } from './payloads';
import {
  previewAppName,
  previewDecision,
  previewSettings,
  previewsToStop,
  pushDecision,
} from './plan';

const sameRepo = (a: RepoRef, b: RepoRef) =>
  a.host === b.host &&
  a.owner.toLowerCase() === b.owner.toLowerCase() &&
  a.name.toLowerCase() === b.name.toLowerCase();

/**
 * What signed GitHub webhooks do: a push to the branch an app tracks
 * deploys its head, a pull request gets a preview app of its own. There is
 * no user behind a webhook: the events backend verified its signature, and
 * only apps whose owners saved these settings (with `configure` permission)
 * are affected. Deployments record the GitHub login as `github:<login>`.
 */
export class GitDeploys {
  constructor(
    private readonly options: {
      git: GitStore;
      store: Kli8ntStore;
      catalog: CatalogService;
      auth: AuthService;
      commands: DeploymentCommands;
      ledger: DeploymentLedger;
      github: GithubGateway;
      repoOf: EntityRepoResolver;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  private now() {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  /**
   * The entity of saved settings if it still names the same repository; a
   * changed annotation stops git-driven deploys until they are saved again.
   */
  private async entityOf(settings: GitSettingsRecord) {
    const { catalog, auth, repoOf, logger } = this.options;
    const entity = await catalog.getEntityByRef(settings.entityRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    if (!entity) {
      logger.warn(`Webhook ignored for ${settings.entityRef}: no such entity`);
      return undefined;
    }
    let repo: RepoRef;
    try {
      repo = repoOf(entity);
    } catch (error) {
      logger.warn(`Webhook ignored for ${settings.entityRef}: ${error}`);
      return undefined;
    }
    if (!sameRepo(repo, settings.repo)) {
      logger.warn(
        `Webhook ignored for ${settings.entityRef}: its repository is now ${repo.owner}/${repo.name}, the git settings were saved for ${settings.repo.owner}/${settings.repo.name}; save them again`,
      );
      return undefined;
    }
    return entity;
  }

  async onPush(push: PushEvent): Promise<void> {
    const { git, commands, github, logger } = this.options;
    for (const settings of await git.forRepo(push.repo)) {
      const entity = await this.entityOf(settings);
      if (!entity) continue;
      const decision = pushDecision(push, settings, paths =>
        touchesSourcePath(readSourcePath(entity.metadata.annotations), paths),
      );
      if ('skip' in decision) {
        logger.info(
          `Push to ${push.branch ?? 'a tag'} ignored for ${
            settings.entityRef
          }: ${decision.skip}`,
        );
        continue;
      }
      // Events may arrive out of order: a push that is no longer the head
      // leaves the deploy to the newer push's own event.
      const head = await github
        .resolveCommit(settings.repo, push.branch!)
        .catch(() => push.after);
      if (head !== push.after) {
        logger.info(
          `Push of ${push.after} to ${push.branch} not deployed for ${settings.entityRef}: the branch is at ${head} now, a newer push follows`,
        );
        continue;
      }
      await this.withinLimits(
        `Push of ${push.after} to ${push.branch} for ${settings.entityRef}`,
        async () => {
          const deployment = await commands.deployCommit({
            entity,
            ref: push.branch,
            commitSha: push.after,
            trigger: 'push',
            requestedBy: `github:${push.pusher}`,
            triggerUrl: push.compareUrl,
          });
          logger.info(
            `Push of ${push.after} to ${push.branch} by ${push.pusher} deploys ${deployment.appName} (deployment ${deployment.id})`,
          );
        },
      );
    }
  }

  /**
   * One entity's deploy of a webhook: an operator's cap refusing it (429,
   * 422) is logged, and the repository's other entities still deploy.
   */
  private async withinLimits(what: string, deploy: () => Promise<void>) {
    try {
      await deploy();
    } catch (error) {
      if (!(error instanceof LimitExceededError)) throw error;
      this.options.logger.warn(`${what} not deployed: ${error.message}`);
    }
  }

  async onPullRequest(pr: PullRequestEvent): Promise<void> {
    const { git, logger } = this.options;
    for (const settings of await git.forRepo(pr.repo)) {
      const decision = previewDecision(pr, settings);
      if ('skip' in decision) {
        logger.info(
          `Pull request #${pr.number} ${pr.action} ignored for ${settings.entityRef}: ${decision.skip}`,
        );
        continue;
      }
      if (decision.kind === 'teardown') {
        const preview = await git.getPreview(settings.entityRef, pr.number);
        if (preview) await this.stopPreview(preview, `#${pr.number} closed`);
        continue;
      }
      const entity = await this.entityOf(settings);
      if (!entity) continue;
      await this.withinLimits(
        `Preview of pull request #${pr.number} for ${settings.entityRef}`,
        () => this.deployPreview(entity, settings, pr, decision),
      );
    }
  }

  private async deployPreview(
    entity: Entity,
    settings: GitSettingsRecord,
    pr: PullRequestEvent,
    decision: { secrets: boolean },
  ) {
    const { git, store, commands, logger } = this.options;
    const parent = await store.getApp(settings.entityRef);
    if (!parent) return;
    const app = await this.previewApp(parent, pr.number, decision.secrets);
    if (!app) return;
    const existing = await git.getPreview(settings.entityRef, pr.number);
    // Deployed first: a preview refused by a cap stops no other.
    const deployment = await commands.deployCommit({
      entity,
      app,
      ref: pr.headRef,
      commitSha: pr.headSha,
      trigger: 'preview',
      requestedBy: `github:${pr.author}`,
      triggerUrl: pr.url,
      githubEnvironment: `preview/pr-${pr.number}`,
    });
    if (!existing) {
      const others = await git.listPreviews(settings.entityRef);
      for (const old of previewsToStop(others, settings.previews.limit)) {
        await this.stopPreview(
          old,
          `at most ${settings.previews.limit} previews, #${pr.number} opened`,
        );
      }
    }
    const now = this.now();
    await git.savePreview({
      appName: app.appName,
      parentEntityRef: settings.entityRef,
      number: pr.number,
      url: pr.url,
      headRef: pr.headRef,
      headSha: pr.headSha,
      fromFork: pr.fromFork,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    logger.info(
      `Pull request #${pr.number} (${pr.action}) deploys preview ${app.appName} of ${pr.headSha} (deployment ${deployment.id}, secrets: ${decision.secrets})`,
    );
  }

  /**
   * The preview's own app with the parent's current settings
   * ({@link previewSettings}), new or not: every deploy of the pull request
   * (opened, reopened, updated) saves them with its request. Its
   * catalog-style ref names the preview (`component:default/pr-3.shop`:
   * entity names allow no `--`) so that its history is its own.
   */
  private async previewApp(
    parent: AppRecord,
    number: number,
    secrets: boolean,
  ): Promise<AppRecord | undefined> {
    const { store, logger } = this.options;
    const appName = previewAppName(number, parent.appName);
    const { kind, namespace } = parseEntityRef(parent.entityRef);
    const entityRef = `${kind}:${namespace}/${appName.replace(/-{2,}/g, '.')}`;
    const holder =
      (await store.getAppByName(appName)) ?? (await store.getApp(entityRef));
    if (
      holder &&
      (holder.entityRef !== entityRef || holder.appName !== appName)
    ) {
      logger.warn(
        `No preview for #${number} of ${parent.entityRef}: the app name ${appName} or ref ${entityRef} belongs to ${holder.entityRef} (${holder.appName})`,
      );
      return undefined;
    }
    const settings = previewSettings(parent.settings, secrets);
    if (holder) return { ...holder, settings };
    const now = this.now();
    return {
      entityRef,
      appName,
      cluster: parent.cluster,
      settings,
      settingsVersion: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * Deletes the preview's app (a tombstone for the deploy controller) and
   * marks its GitHub Deployments inactive.
   */
  private async stopPreview(preview: PreviewRecord, why: string) {
    const { git, store, ledger, github, logger } = this.options;
    const app = await store.getAppByName(preview.appName);
    if (!app) {
      await git.deletePreview(preview.appName);
      return;
    }
    const { items } = await store.listDeployments(app.entityRef, {
      limit: 100,
    });
    await ledger.deleteApp(app);
    for (const d of items) {
      if (!d.repo || d.githubDeploymentId === undefined) continue;
      await github
        .createDeploymentStatus(d.repo, d.githubDeploymentId, {
          state: 'inactive',
          description: `Preview stopped: ${why}`,
        })
        .catch(error =>
          logger.warn(
            `Could not mark GitHub deployment ${d.githubDeploymentId} of ${preview.appName} inactive`,
            { error: String(error) },
          ),
        );
    }
    logger.info(`Preview ${preview.appName} stopped: ${why}`);
  }
}
