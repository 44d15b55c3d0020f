/*
 * GitHub REST response bodies, shaped like GitHub's documentation examples
 * (and the backend's msw fixtures), built from what the repositories really
 * hold. URLs follow GitHub Enterprise: the web and git base is one URL, the
 * API lives under `<base>/api/v3`.
 */
import crypto from 'node:crypto';
import type { BranchInfo, CommitInfo, RepoInfo } from './repos';

export interface Urls {
  /** Web and clone base, e.g. https://10.0.0.1:23481 */
  web: string;
  /** REST base, e.g. http://127.0.0.1:23480/api/v3 */
  api: string;
}

/** Stable numeric ids, so a restart does not renumber anything. */
export function stableId(...parts: string[]): number {
  return (
    crypto
      .createHash('sha256')
      .update(parts.join('/'))
      .digest()
      .readUInt32BE(0) % 1e9
  );
}

export function account(urls: Urls, login: string) {
  const id = stableId('account', login.toLowerCase());
  return {
    login,
    id,
    node_id: Buffer.from(`04:Organization${id}`).toString('base64'),
    avatar_url: `${urls.web}/avatars/${login}`,
    url: `${urls.api}/users/${login}`,
    html_url: `${urls.web}/${login}`,
    type: 'Organization',
    site_admin: false,
  };
}

export function repository(urls: Urls, repo: RepoInfo, pushedAt?: string) {
  const full = `${repo.owner}/${repo.name}`;
  const id = stableId('repo', full.toLowerCase());
  const date = pushedAt ?? '1970-01-01T00:00:00Z';
  const host = new URL(urls.web).hostname;
  return {
    id,
    node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
    name: repo.name,
    full_name: full,
    owner: account(urls, repo.owner),
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    html_url: `${urls.web}/${full}`,
    description: repo.description || null,
    fork: false,
    url: `${urls.api}/repos/${full}`,
    clone_url: `${urls.web}/${full}.git`,
    git_url: `git://${host}/${full}.git`,
    ssh_url: `git@${host}:${full}.git`,
    default_branch: repo.defaultBranch,
    archived: false,
    disabled: false,
    pushed_at: date,
    created_at: date,
    updated_at: date,
    permissions: {
      admin: false,
      maintain: false,
      push: false,
      triage: false,
      pull: true,
    },
  };
}

export function branch(urls: Urls, repo: RepoInfo, b: BranchInfo) {
  return {
    name: b.name,
    commit: {
      sha: b.sha,
      url: `${urls.api}/repos/${repo.owner}/${repo.name}/commits/${b.sha}`,
    },
    protected: b.name === repo.defaultBranch,
  };
}

export function commit(urls: Urls, repo: RepoInfo, c: CommitInfo) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    url: `${urls.api}/repos/${full}/commits/${c.sha}`,
    sha: c.sha,
    node_id: Buffer.from(`06:Commit${c.sha}`).toString('base64'),
    html_url: `${urls.web}/${full}/commit/${c.sha}`,
    commit: {
      url: `${urls.api}/repos/${full}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: {
        url: `${urls.api}/repos/${full}/git/trees/${c.tree}`,
        sha: c.tree,
      },
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
      },
    },
    // The git author is not a GitHub user here.
    author: null,
    committer: null,
    parents: c.parents.map(sha => ({
      sha,
      url: `${urls.api}/repos/${full}/commits/${sha}`,
      html_url: `${urls.web}/${full}/commit/${sha}`,
    })),
  };
}

export interface StoredStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  created_at: string;
}

export interface StoredDeployment {
  id: number;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  statuses: StoredStatus[];
}

export function deployment(urls: Urls, d: StoredDeployment) {
  const base = `${urls.api}/repos/${d.owner}/${d.repo}`;
  const updated = d.statuses[d.statuses.length - 1]?.created_at ?? d.created_at;
  return {
    url: `${base}/deployments/${d.id}`,
    id: d.id,
    node_id: Buffer.from(`010:Deployment${d.id}`).toString('base64'),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: account(urls, d.owner),
    created_at: d.created_at,
    updated_at: updated,
    statuses_url: `${base}/deployments/${d.id}/statuses`,
    repository_url: base,
    transient_environment: d.transient_environment,
    production_environment: d.production_environment,
  };
}

export function deploymentStatus(
  urls: Urls,
  d: StoredDeployment,
  s: StoredStatus,
) {
  const base = `${urls.api}/repos/${d.owner}/${d.repo}`;
  return {
    url: `${base}/deployments/${d.id}/statuses/${s.id}`,
    id: s.id,
    node_id: Buffer.from(`016:DeploymentStatus${s.id}`).toString('base64'),
    state: s.state,
    creator: account(urls, d.owner),
    description: s.description,
    environment: s.environment,
    target_url: s.log_url,
    log_url: s.log_url,
    environment_url: s.environment_url,
    created_at: s.created_at,
    updated_at: s.created_at,
    deployment_url: `${base}/deployments/${d.id}`,
    repository_url: base,
  };
}

export function installation(urls: Urls, appId: string, login: string) {
  const id = stableId('installation', login.toLowerCase());
  return {
    id,
    account: account(urls, login),
    repository_selection: 'all',
    access_tokens_url: `${urls.api}/app/installations/${id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/organizations/${login}/settings/installations/${id}`,
    app_id: Number(appId),
    app_slug: 'kli8nt-test',
    target_id: account(urls, login).id,
    target_type: 'Organization',
    permissions: { contents: 'read', deployments: 'write', metadata: 'read' },
    events: [],
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}

export const message = (text: string, status: number) => ({
  message: text,
  documentation_url: 'https://docs.github.com/rest',
  status: String(status),
});

/** A REST answer before it is written out. */
export type Reply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
};
export const json = (
  status: number,
  body?: unknown,
  headers?: Record<string, string>,
): Reply => ({ status, body, headers });
