/*
 * Webhooks of the local GitHub: `push` and `pull_request` payloads shaped
 * like GitHub's (https://docs.github.com/webhooks/webhook-events-and-payloads),
 * built from what the repositories really hold, signed with the hook's
 * secret (X-Hub-Signature-256) and posted to its URL, as GitHub delivers
 * them. The test world has no pull requests of its own: their number,
 * branches and author are given.
 */
import crypto from 'node:crypto';
import * as p from './payloads';
import { git, GitRoot, RepoInfo } from './repos';

export interface WebhookTarget {
  /** e.g. http://127.0.0.1:7007/api/events/http/github */
  url: string;
  secret: string;
}

export interface Delivery {
  id: string;
  status: number;
  body: string;
}

/** GitHub's X-Hub-Signature-256 of a body. */
export function signature(secret: string, body: string): string {
  return `sha256=${crypto
    .createHmac('sha256', secret)
    .update(body)
    .digest('hex')}`;
}

/** Posts one event as GitHub does; `secret: undefined` sends it unsigned. */
export async function deliver(
  target: { url: string; secret?: string },
  event: string,
  payload: object,
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const id = crypto.randomUUID();
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/kli8nt-testenv',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': String(p.stableId('hook', target.url)),
      ...(target.secret
        ? { 'x-hub-signature-256': signature(target.secret, body) }
        : {}),
    },
    body,
  });
  return { id, status: response.status, body: await response.text() };
}

const ZERO = '0'.repeat(40);

async function repoOf(repos: GitRoot, owner: string, name: string) {
  const repo = await repos.repo(owner, name);
  if (!repo) throw new Error(`no repository ${owner}/${name}`);
  return repo;
}

async function sha(repos: GitRoot, repo: RepoInfo, ref: string) {
  const found = await repos.commit(repo.owner, repo.name, ref);
  if (!found) throw new Error(`${repo.owner}/${repo.name} has no ${ref}`);
  return found.sha;
}

/** The commits of before..after with the paths each added, removed, modified. */
async function pushedCommits(
  repos: GitRoot,
  urls: p.Urls,
  repo: RepoInfo,
  before: string,
  after: string,
) {
  const dir = repos.gitDir(repo.owner, repo.name)!;
  const range = before === ZERO ? [after] : [`${before}..${after}`];
  const shas = (await git(['-C', dir, 'rev-list', '--reverse', ...range]))
    .split('\n')
    .filter(Boolean)
    // GitHub lists at most 20 commits.
    .slice(-20);
  const commits = [];
  for (const id of shas) {
    const c = (await repos.commit(repo.owner, repo.name, id))!;
    const changes = await git([
      '-C',
      dir,
      'diff-tree',
      '--root',
      '--no-commit-id',
      '--name-status',
      '-r',
      id,
    ]);
    const paths = {
      added: [] as string[],
      removed: [] as string[],
      modified: [] as string[],
    };
    for (const line of changes.split('\n').filter(Boolean)) {
      const [status, file] = line.split('\t');
      if (status === 'A') paths.added.push(file);
      else if (status === 'D') paths.removed.push(file);
      else paths.modified.push(file);
    }
    commits.push({
      id: c.sha,
      tree_id: c.tree,
      distinct: true,
      message: c.message,
      timestamp: c.committer.date,
      url: `${urls.web}/${repo.owner}/${repo.name}/commit/${c.sha}`,
      author: { name: c.author.name, email: c.author.email },
      committer: { name: c.committer.name, email: c.committer.email },
      ...paths,
    });
  }
  return commits;
}

/**
 * The `push` payload of `branch` moving from `before` (default: the parent
 * of `after`, or a new branch) to `after` (default: its current head; an
 * older commit replays a push delivered late).
 */
export async function pushPayload(
  repos: GitRoot,
  urls: p.Urls,
  options: {
    owner: string;
    name: string;
    branch: string;
    before?: string;
    after?: string;
    pusher: string;
  },
) {
  const repo = await repoOf(repos, options.owner, options.name);
  const after = await sha(repos, repo, options.after ?? options.branch);
  const head = (await repos.commit(repo.owner, repo.name, after))!;
  const before = options.before ?? head.parents[0] ?? ZERO;
  const commits = await pushedCommits(repos, urls, repo, before, after);
  const full = `${repo.owner}/${repo.name}`;
  return {
    ref: `refs/heads/${options.branch}`,
    before,
    after,
    created: before === ZERO,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${urls.web}/${full}/compare/${before.slice(
      0,
      12,
    )}...${after.slice(0, 12)}`,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
    repository: p.repository(urls, repo, head.committer.date),
    pusher: {
      name: options.pusher,
      email: `${options.pusher}@users.noreply.kli8nt.test`,
    },
    sender: p.account(urls, options.pusher),
  };
}

/**
 * The `pull_request` payload of pull request `number` of `owner/name`,
 * from `head` (a branch of the same repository, or of `headRepo`: a fork)
 * into `base`.
 */
export async function pullRequestPayload(
  repos: GitRoot,
  urls: p.Urls,
  options: {
    owner: string;
    name: string;
    number: number;
    action: 'opened' | 'synchronize' | 'reopened' | 'closed';
    head: string;
    /** owner/name of the fork holding `head`; absent: the same repository. */
    headRepo?: string;
    base: string;
    user: string;
    merged?: boolean;
  },
) {
  const repo = await repoOf(repos, options.owner, options.name);
  const [forkOwner, forkName] = (options.headRepo ?? '').split('/');
  const headRepo = options.headRepo
    ? await repoOf(repos, forkOwner, forkName)
    : repo;
  const headSha = await sha(repos, headRepo, options.head);
  // As on GitHub, the base repository holds every pull request's head.
  await git([
    '-C',
    repos.gitDir(repo.owner, repo.name)!,
    'fetch',
    '--quiet',
    repos.gitDir(headRepo.owner, headRepo.name)!,
    `+${headSha}:refs/pull/${options.number}/head`,
  ]);
  const baseSha = await sha(repos, repo, options.base);
  const full = `${repo.owner}/${repo.name}`;
  const side = (r: RepoInfo, ref: string, at: string, fork: boolean) => ({
    label: `${r.owner}:${ref}`,
    ref,
    sha: at,
    user: p.account(urls, r.owner),
    repo: { ...p.repository(urls, r), fork },
  });
  const closed = options.action === 'closed';
  return {
    action: options.action,
    number: options.number,
    pull_request: {
      url: `${urls.api}/repos/${full}/pulls/${options.number}`,
      html_url: `${urls.web}/${full}/pull/${options.number}`,
      id: p.stableId('pull', full, String(options.number)),
      number: options.number,
      state: closed ? 'closed' : 'open',
      title: `Pull request ${options.number}`,
      user: p.account(urls, options.user),
      merged: closed ? Boolean(options.merged) : false,
      head: side(headRepo, options.head, headSha, Boolean(options.headRepo)),
      base: side(repo, options.base, baseSha, false),
    },
    repository: p.repository(urls, repo),
    sender: p.account(urls, options.user),
  };
}
