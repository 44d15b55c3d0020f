/*
 * The repositories the fake GitHub serves: bare git repositories under one
 * directory, `<root>/<owner>/<name>.git`, read with the git CLI so what the
 * REST API reports (branches, commits, default branch) is exactly what a
 * clone gets. `addRepository` puts a local directory there; it is the core
 * of `cli.ts add` and of `scripts/local-app add`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** GitHub's rules: owners are alphanumeric with dashes, names may not be `.`/`..`. */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const NAME = /^(?!\.\.?$)(?!.*\.git$)[A-Za-z0-9_.-]{1,100}$/;
/** Branches, tags and SHAs; nothing git could read as an option or a range. */
const REF = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}$/;

export function validRepoName(owner: string, name: string): boolean {
  return OWNER.test(owner) && NAME.test(name);
}

export interface Person {
  name: string;
  email: string;
  /** ISO 8601 */
  date: string;
}

export interface RepoInfo {
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  description: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: Person;
  committer: Person;
}

export interface BranchInfo {
  name: string;
  sha: string;
}

/** What the REST API and the git endpoint read; a git root or a fixture set. */
export interface RepoSource {
  repo(owner: string, name: string): Promise<RepoInfo | undefined>;
  /** Sorted by name, as GitHub lists them. */
  branches(owner: string, name: string): Promise<BranchInfo[]>;
  /** The commit a branch, tag or (abbreviated) SHA names; undefined if none. */
  commit(
    owner: string,
    name: string,
    ref: string,
  ): Promise<CommitInfo | undefined>;
  /** Accounts that have repositories (each gets an app installation). */
  owners(): Promise<string[]>;
  /** The repositories of one account, or of all. */
  list(owner?: string): Promise<RepoInfo[]>;
  /** The bare repository to serve over git smart HTTP, if there is one. */
  gitDir(owner: string, name: string): string | undefined;
}

// Neither the machine's nor the user's git config may change what is served.
const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'safe.directory',
  GIT_CONFIG_VALUE_0: '*',
};

export async function git(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...GIT_ENV,
      ...options.env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function gitOrUndefined(args: string[]): Promise<string | undefined> {
  try {
    return await git(args);
  } catch {
    return undefined;
  }
}

/** A directory of bare repositories, `<root>/<owner>/<name>.git`. */
export class GitRoot implements RepoSource {
  constructor(readonly root: string) {}

  gitDir(owner: string, name: string): string | undefined {
    return validRepoName(owner, name)
      ? path.join(this.root, owner, `${name}.git`)
      : undefined;
  }

  async repo(owner: string, name: string): Promise<RepoInfo | undefined> {
    const dir = this.gitDir(owner, name);
    if (!dir || !(await isBareRepo(dir))) return undefined;
    const head = await gitOrUndefined([
      '-C',
      dir,
      'symbolic-ref',
      '--short',
      'HEAD',
    ]);
    const visibility = await gitOrUndefined([
      '-C',
      dir,
      'config',
      '--get',
      'kli8nt.private',
    ]);
    const description = await gitOrUndefined([
      '-C',
      dir,
      'config',
      '--get',
      'kli8nt.description',
    ]);
    return {
      owner,
      name,
      private: visibility?.trim() === 'true',
      defaultBranch: head?.trim() || 'main',
      description: description?.trim() ?? '',
    };
  }

  async branches(owner: string, name: string): Promise<BranchInfo[]> {
    const dir = this.gitDir(owner, name);
    if (!dir) return [];
    const out = await gitOrUndefined([
      '-C',
      dir,
      'for-each-ref',
      '--sort=refname',
      '--format=%(refname:strip=2) %(objectname)',
      'refs/heads',
    ]);
    return (out ?? '')
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [branch, sha] = line.split(' ');
        return { name: branch, sha };
      });
  }

  async commit(
    owner: string,
    name: string,
    ref: string,
  ): Promise<CommitInfo | undefined> {
    const dir = this.gitDir(owner, name);
    if (!dir || !REF.test(ref)) return undefined;
    const sha = await gitOrUndefined([
      '-C',
      dir,
      'rev-parse',
      '--verify',
      '--quiet',
      `${ref}^{commit}`,
    ]);
    if (!sha) return undefined;
    const out = await git([
      '-C',
      dir,
      'show',
      '-s',
      '--format=%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B',
      sha.trim(),
    ]);
    const [full, tree, parents, an, ae, ad, cn, ce, cd, ...message] =
      out.split('\0');
    return {
      sha: full,
      tree,
      parents: parents.split(' ').filter(Boolean),
      author: { name: an, email: ae, date: utc(ad) },
      committer: { name: cn, email: ce, date: utc(cd) },
      message: message.join('\0').trimEnd(),
    };
  }

  async owners(): Promise<string[]> {
    const entries = await fs
      .readdir(this.root, { withFileTypes: true })
      .catch(() => []);
    return entries
      .filter(e => e.isDirectory() && OWNER.test(e.name))
      .map(e => e.name)
      .sort();
  }

  /** Every repository, for listings and installation scopes. */
  async list(owner?: string): Promise<RepoInfo[]> {
    const repos: RepoInfo[] = [];
    for (const account of owner ? [owner] : await this.owners()) {
      const entries = await fs
        .readdir(path.join(this.root, account))
        .catch(() => []);
      for (const entry of entries.sort()) {
        if (!entry.endsWith('.git')) continue;
        const info = await this.repo(account, entry.slice(0, -4));
        if (info) repos.push(info);
      }
    }
    return repos;
  }
}

function utc(iso: string): string {
  // GitHub reports commit dates in UTC without milliseconds.
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function isBareRepo(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'HEAD'));
    await fs.access(path.join(dir, 'objects'));
    return true;
  } catch {
    return false;
  }
}

export interface AddRepositoryOptions {
  root: string;
  owner: string;
  name: string;
  /** A directory: its files (snapshot) or its git history (mirror). */
  source: string;
  private?: boolean;
  description?: string;
  /** Branch a snapshot is committed to; default `main`. */
  branch?: string;
  /** Commit message of a snapshot. */
  message?: string;
  /**
   * `snapshot` commits the directory's current files (respecting its
   * .gitignore) on top of the branch, so each call is one new commit;
   * `mirror` pushes the branches and tags of the repository at `source`.
   * `auto` (default): mirror when `source` is the top of a git work tree.
   */
  mode?: 'auto' | 'snapshot' | 'mirror';
}

export interface AddedRepository {
  gitDir: string;
  branch: string;
  /** The branch's commit after the call. */
  sha: string;
  mode: 'snapshot' | 'mirror';
}

/** Creates or updates `<root>/<owner>/<name>.git` from a local directory. */
export async function addRepository(
  options: AddRepositoryOptions,
): Promise<AddedRepository> {
  const { root, owner, name } = options;
  if (!validRepoName(owner, name)) {
    throw new Error(`'${owner}/${name}' is not a valid GitHub repository name`);
  }
  const source = await fs.realpath(options.source);
  const gitDir = path.join(root, owner, `${name}.git`);
  const branch = options.branch ?? 'main';
  if (!REF.test(branch)) throw new Error(`invalid branch name '${branch}'`);
  if (!(await isBareRepo(gitDir))) {
    await fs.mkdir(path.dirname(gitDir), { recursive: true });
    await git([
      'init',
      '--quiet',
      '--bare',
      `--initial-branch=${branch}`,
      gitDir,
    ]);
  }
  const cfg = (key: string, value: string) =>
    git(['-C', gitDir, 'config', key, value]);
  if (options.private !== undefined)
    await cfg('kli8nt.private', String(options.private));
  if (options.description !== undefined)
    await cfg('kli8nt.description', options.description);

  let mode = options.mode ?? 'auto';
  if (mode === 'auto')
    mode = (await isWorkTreeTop(source)) ? 'mirror' : 'snapshot';
  if (mode === 'mirror') {
    const current = (
      await git(['-C', source, 'symbolic-ref', '--short', 'HEAD'])
    ).trim();
    await git([
      '-C',
      source,
      'push',
      '--quiet',
      '--force',
      '--prune',
      gitDir,
      'refs/heads/*:refs/heads/*',
      'refs/tags/*:refs/tags/*',
    ]);
    await git(['-C', gitDir, 'symbolic-ref', 'HEAD', `refs/heads/${current}`]);
    const sha = (
      await git(['-C', gitDir, 'rev-parse', `refs/heads/${current}`])
    ).trim();
    return { gitDir, branch: current, sha, mode };
  }
  const sha = await snapshot(
    gitDir,
    source,
    branch,
    options.message ?? 'Snapshot',
  );
  return { gitDir, branch, sha, mode };
}

async function isWorkTreeTop(dir: string): Promise<boolean> {
  const top = await gitOrUndefined(['-C', dir, 'rev-parse', '--show-toplevel']);
  return top !== undefined && (await fs.realpath(top.trim())) === dir;
}

/**
 * One commit of the directory's files on `branch`, through a throw-away
 * index, so the directory needs no .git of its own (an example app inside
 * this monorepo) and is never modified. An unchanged tree adds no commit.
 */
async function snapshot(
  gitDir: string,
  source: string,
  branch: string,
  message: string,
) {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kli8nt-snapshot-'));
  try {
    const env = {
      GIT_DIR: gitDir,
      GIT_WORK_TREE: source,
      GIT_INDEX_FILE: path.join(tmp, 'index'),
      GIT_AUTHOR_NAME: 'Kli8nt Test',
      GIT_AUTHOR_EMAIL: 'test@kli8nt.test',
      GIT_COMMITTER_NAME: 'Kli8nt Test',
      GIT_COMMITTER_EMAIL: 'test@kli8nt.test',
    };
    // git never adds a path named .git, and honours the directory's .gitignore.
    await git(['add', '--all', '--', '.'], { cwd: source, env });
    const tree = (await git(['write-tree'], { env })).trim();
    const ref = `refs/heads/${branch}`;
    const parent = (
      await gitOrUndefined([
        '-C',
        gitDir,
        'rev-parse',
        '--verify',
        '--quiet',
        ref,
      ])
    )?.trim();
    if (parent) {
      const parentTree = (
        await git(['-C', gitDir, 'rev-parse', `${parent}^{tree}`])
      ).trim();
      if (parentTree === tree) return parent;
    }
    const sha = (
      await git(
        ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message],
        { env },
      )
    ).trim();
    // Compare-and-swap: a concurrent snapshot of the same branch fails loudly.
    await git(['-C', gitDir, 'update-ref', ref, sha, parent ?? '']);
    return sha;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
