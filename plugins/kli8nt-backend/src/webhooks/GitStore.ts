import { Knex } from 'knex';
import { DEFAULT_PREVIEW_LIMIT } from '@kli8nt/backstage-plugin-kli8nt-common';
import { RepoRef } from '../database/types';
import { Timestamp, toIso } from '../database/rows';

/** The git-driven settings of an app as stored. */
export interface GitSettingsRecord {
  entityRef: string;
  /** The entity's repository when the settings were saved. */
  repo: RepoRef;
  autoDeployBranch?: string;
  previews: { enabled: boolean; limit: number; secrets: boolean };
  updatedBy: string;
  updatedAt: string;
}

export const DEFAULT_PREVIEWS = Object.freeze({
  enabled: false,
  limit: DEFAULT_PREVIEW_LIMIT,
  secrets: false,
});

/** A live pull request preview: an app of its own (`pr-<n>--<app>`). */
export interface PreviewRecord {
  appName: string;
  parentEntityRef: string;
  number: number;
  url: string;
  headRef: string;
  headSha: string;
  fromFork: boolean;
  createdAt: string;
  updatedAt: string;
}

interface SettingsRow {
  entity_ref: string;
  repo_host: string;
  repo_owner: string;
  repo_name: string;
  auto_deploy_branch: string | null;
  previews_enabled: boolean | number;
  preview_limit: number;
  preview_secrets: boolean | number;
  updated_by: string;
  updated_at: Timestamp;
}

interface PreviewRow {
  app_name: string;
  parent_entity_ref: string;
  pr_number: number;
  pr_url: string;
  head_ref: string;
  head_sha: string;
  from_fork: boolean | number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

function toSettings(row: SettingsRow): GitSettingsRecord {
  return {
    entityRef: row.entity_ref,
    repo: { host: row.repo_host, owner: row.repo_owner, name: row.repo_name },
    autoDeployBranch: row.auto_deploy_branch ?? undefined,
    previews: {
      enabled: Boolean(row.previews_enabled),
      limit: row.preview_limit,
      secrets: Boolean(row.preview_secrets),
    },
    updatedBy: row.updated_by,
    updatedAt: toIso(row.updated_at),
  };
}

function toPreview(row: PreviewRow): PreviewRecord {
  return {
    appName: row.app_name,
    parentEntityRef: row.parent_entity_ref,
    number: row.pr_number,
    url: row.pr_url,
    headRef: row.head_ref,
    headSha: row.head_sha,
    fromFork: Boolean(row.from_fork),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/**
 * The tables of git-driven deploys (migration `20261201190000_git_driven`),
 * which DatabaseKli8ntStore creates; the ledger removes an app's rows with
 * the app.
 */
export class GitStore {
  constructor(private readonly db: Knex) {}

  async getSettings(entityRef: string): Promise<GitSettingsRecord | undefined> {
    const row = await this.db<SettingsRow>('app_git_settings')
      .where({ entity_ref: entityRef })
      .first();
    return row ? toSettings(row) : undefined;
  }

  async saveSettings(record: GitSettingsRecord): Promise<void> {
    const row: SettingsRow = {
      entity_ref: record.entityRef,
      repo_host: record.repo.host,
      repo_owner: record.repo.owner,
      repo_name: record.repo.name,
      auto_deploy_branch: record.autoDeployBranch ?? null,
      previews_enabled: record.previews.enabled,
      preview_limit: record.previews.limit,
      preview_secrets: record.previews.secrets,
      updated_by: record.updatedBy,
      updated_at: new Date(record.updatedAt) as unknown as Timestamp,
    };
    await this.db('app_git_settings')
      .insert(row)
      .onConflict('entity_ref')
      .merge();
  }

  /**
   * Settings of the apps (that exist) bound to a repository; GitHub compares
   * owner and name case-insensitively.
   */
  async forRepo(repo: RepoRef): Promise<GitSettingsRecord[]> {
    const rows = await this.db<SettingsRow>('app_git_settings')
      .join('apps', 'apps.entity_ref', 'app_git_settings.entity_ref')
      .whereRaw('lower(repo_owner) = ?', [repo.owner.toLowerCase()])
      .whereRaw('lower(repo_name) = ?', [repo.name.toLowerCase()])
      .where('repo_host', repo.host)
      .select('app_git_settings.*')
      .orderBy('app_git_settings.entity_ref');
    return rows.map(toSettings);
  }

  async getPreview(
    parentEntityRef: string,
    number: number,
  ): Promise<PreviewRecord | undefined> {
    const row = await this.db<PreviewRow>('previews')
      .where({ parent_entity_ref: parentEntityRef, pr_number: number })
      .first();
    return row ? toPreview(row) : undefined;
  }

  async getPreviewByApp(appName: string): Promise<PreviewRecord | undefined> {
    const row = await this.db<PreviewRow>('previews')
      .where({ app_name: appName })
      .first();
    return row ? toPreview(row) : undefined;
  }

  /** The parent's previews, oldest first. */
  async listPreviews(parentEntityRef: string): Promise<PreviewRecord[]> {
    const rows = await this.db<PreviewRow>('previews')
      .where({ parent_entity_ref: parentEntityRef })
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'pr_number', order: 'asc' },
      ]);
    return rows.map(toPreview);
  }

  async savePreview(preview: PreviewRecord): Promise<void> {
    await this.db('previews')
      .insert({
        app_name: preview.appName,
        parent_entity_ref: preview.parentEntityRef,
        pr_number: preview.number,
        pr_url: preview.url,
        head_ref: preview.headRef,
        head_sha: preview.headSha,
        from_fork: preview.fromFork,
        created_at: new Date(preview.createdAt),
        updated_at: new Date(preview.updatedAt),
      })
      .onConflict('app_name')
      .merge(['pr_url', 'head_ref', 'head_sha', 'from_fork', 'updated_at']);
  }

  async deletePreview(appName: string): Promise<void> {
    await this.db('previews').where({ app_name: appName }).delete();
  }
}
