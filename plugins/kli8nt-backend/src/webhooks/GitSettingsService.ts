import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  GitSettings,
  Preview,
  UpdateGitSettingsRequest,
  kli8ntAppConfigurePermission,
  kli8ntDeploymentReadPermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { Kli8ntStore } from '../database/types';
import { EntityRepoResolver } from '../github/repo';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { AppDirectory, userRef } from '../service/apps';
import { EntityAccess } from '../service/EntityAccess';
import { DEFAULT_PREVIEWS, GitSettingsRecord, GitStore } from './GitStore';

/** The auto-deploy and preview settings of apps, and their live previews. */
export class GitSettingsService {
  constructor(
    private readonly options: {
      git: GitStore;
      store: Kli8ntStore;
      access: EntityAccess;
      apps: AppDirectory;
      ledger: DeploymentLedger;
      repoOf: EntityRepoResolver;
    },
  ) {}

  async get(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<GitSettings> {
    const entity = await this.options.access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const { app } = await this.options.apps.resolve(entity);
    const saved = await this.options.git.getSettings(app.entityRef);
    return {
      entityRef: app.entityRef,
      app: app.appName,
      ...(saved?.autoDeployBranch
        ? { autoDeployBranch: saved.autoDeployBranch }
        : {}),
      previews: saved?.previews ?? { ...DEFAULT_PREVIEWS },
    };
  }

  /**
   * Saves the settings with the entity's repository as it is now: webhooks
   * of that repository act on the app (owners only: `configure` permission).
   * An app never deployed is created (default settings) so that its first
   * push can deploy it.
   */
  async update(options: {
    entityRef: string;
    patch: UpdateGitSettingsRequest;
    credentials: BackstageCredentials;
  }): Promise<GitSettings> {
    const { access, apps, ledger, git, repoOf } = this.options;
    const entity = await access.load(
      options.entityRef,
      kli8ntAppConfigurePermission,
      options.credentials,
    );
    const repo = repoOf(entity);
    const { app, stored } = await apps.resolve(entity);
    const requestedBy = userRef(options.credentials);
    if (!stored) {
      await ledger.saveSettings({
        app,
        change: settings => settings,
        requestedBy,
      });
    }
    const current = await git.getSettings(app.entityRef);
    const { patch } = options;
    const next: GitSettingsRecord = {
      entityRef: app.entityRef,
      repo,
      autoDeployBranch:
        patch.autoDeployBranch === undefined
          ? current?.autoDeployBranch
          : patch.autoDeployBranch ?? undefined,
      previews: {
        ...(current?.previews ?? DEFAULT_PREVIEWS),
        ...patch.previews,
      },
      updatedBy: requestedBy,
      updatedAt: new Date().toISOString(),
    };
    await git.saveSettings(next);
    return this.get(options.entityRef, options.credentials);
  }

  /** The entity's live previews with their URLs, newest first. */
  async previews(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Preview[]> {
    const entity = await this.options.access.load(
      entityRef,
      kli8ntDeploymentReadPermission,
      credentials,
    );
    const { app } = await this.options.apps.resolve(entity);
    const previews = await this.options.git.listPreviews(app.entityRef);
    const result: Preview[] = [];
    for (const p of previews.reverse()) {
      const previewApp = await this.options.store.getAppByName(p.appName);
      const [latest] = previewApp
        ? (
            await this.options.store.listDeployments(previewApp.entityRef, {
              limit: 1,
            })
          ).items
        : [];
      result.push({
        app: p.appName,
        pullRequest: p.number,
        pullRequestUrl: p.url,
        headRef: p.headRef,
        commitSha: latest?.commitSha ?? p.headSha,
        fromFork: p.fromFork,
        ...(latest ? { status: latest.status } : {}),
        ...(latest?.url ? { url: latest.url } : {}),
        updatedAt: p.updatedAt,
      });
    }
    return result;
  }
}
