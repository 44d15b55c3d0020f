/*
 * A stand-in for GitHub (Enterprise style): git smart HTTP for the
 * repositories of a RepoSource and, on the same port, the REST endpoints
 * the backend uses under /api/v3 (also at the root, as api.github.com
 * serves them). Credentials are checked like GitHub does: anonymous reads
 * of public repositories, 401 for unknown or expired tokens, 404 for
 * private repositories the caller may not read. Tokens are never logged.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGitPath, refusal, serveGit } from './gitHttp';
import { Deployments } from './deployments';
import * as p from './payloads';
import { json, Reply } from './payloads';
import type { RepoInfo, RepoSource } from './repos';
import { Caller, StoredToken, TokenStore } from './tokens';

export interface FakeGithubOptions {
  repos: RepoSource;
  /** The git root served over git smart HTTP (RepoSource.gitDir lives there). */
  gitRoot?: string;
  urls: p.Urls;
  pat?: string;
  app?: { id: string; privateKeyPem: string };
  /** Deployments and minted tokens (as digests) survive restarts here. */
  stateFile?: string;
  tokenTtlSeconds?: number;
  now?: () => number;
  log?: (line: string) => void;
}

interface State {
  nextId: number;
  deployments: p.StoredDeployment[];
  tokens: StoredToken[];
}

const API_ROOTS = /^\/(repos|app|installation|meta|rate_limit)(\/|$)/;

export function createFakeGithub(options: FakeGithubOptions) {
  const log = options.log ?? (() => undefined);
  const { urls, repos } = options;
  const state: State = loadState(options.stateFile);
  const save = () => {
    if (options.stateFile) {
      fs.writeFileSync(`${options.stateFile}.tmp`, JSON.stringify(state), {
        mode: 0o600,
      });
      fs.renameSync(`${options.stateFile}.tmp`, options.stateFile);
    }
  };
  const tokens = new TokenStore({
    pat: options.pat,
    app: options.app,
    ttlSeconds: options.tokenTtlSeconds,
    now: options.now,
    stored: state.tokens,
    onChange: all => {
      state.tokens = all;
      save();
    },
  });
  const now = () =>
    new Date(tokens.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const deployments = new Deployments(state, {
    urls,
    save,
    now,
    commit: (owner, name, ref) => repos.commit(owner, name, ref),
  });

  /** The repository if the caller may see it; GitHub hides private ones behind 404. */
  async function visible(
    caller: Caller,
    owner: string,
    name: string,
  ): Promise<RepoInfo | undefined> {
    const repo = await repos.repo(owner, name);
    if (!repo) return undefined;
    return !repo.private || TokenStore.canRead(caller, owner, name)
      ? repo
      : undefined;
  }

  const notFound = json(404, p.message('Not Found', 404));
  const installationsOf = async () =>
    tokens.appId
      ? (await repos.owners()).map(o => p.installation(urls, tokens.appId!, o))
      : [];

  async function api(
    method: string,
    path: string,
    query: URLSearchParams,
    caller: Caller,
    body: any,
  ): Promise<Reply> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root] = parts;
    if (root === 'meta' || root === 'rate_limit') {
      return json(200, {
        installed_version: 'kli8nt-fake-github',
        verifiable_password_authentication: false,
      });
    }
    if (root === 'app') {
      if (caller.kind !== 'app')
        return json(
          401,
          p.message('A JSON web token could not be decoded', 401),
        );
      const all = await installationsOf();
      if (parts.length === 1)
        return json(200, {
          id: Number(tokens.appId),
          slug: 'kli8nt-test',
          name: 'Kli8nt test app',
        });
      if (parts[1] !== 'installations') return notFound;
      if (parts.length === 2) return json(200, all);
      const inst = all.find(i => String(i.id) === parts[2]);
      if (!inst) return notFound;
      if (parts.length === 3 && method === 'GET') return json(200, inst);
      if (parts[3] === 'access_tokens' && method === 'POST') {
        const names: string[] | undefined = Array.isArray(body?.repositories)
          ? body.repositories
          : undefined;
        for (const n of names ?? []) {
          if (!(await repos.repo(inst.account.login, n)))
            return json(
              422,
              p.message(
                'There is at least one repository that does not exist or is not accessible to the parent installation.',
                422,
              ),
            );
        }
        const asked = narrowed(body?.permissions, inst.permissions);
        if (typeof asked === 'string') return json(422, p.message(asked, 422));
        const minted = tokens.mint(inst.id, inst.account.login, names, asked);
        return json(201, {
          token: minted.token,
          expires_at: minted.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: asked ?? inst.permissions,
          repository_selection: names ? 'selected' : 'all',
          ...(names
            ? {
                repositories: names.map(n => ({
                  name: n,
                  full_name: `${inst.account.login}/${n}`,
                })),
              }
            : {}),
        });
      }
      return notFound;
    }
    if (root === 'installation' && parts[1] === 'repositories') {
      if (caller.kind !== 'installation')
        return json(401, p.message('Bad credentials', 401));
      const mine = (await repos.list(caller.account))
        .filter(r => TokenStore.canRead(caller, r.owner, r.name))
        .map(r => p.repository(urls, r));
      return json(200, { total_count: mine.length, repositories: mine });
    }
    if (root !== 'repos' || parts.length < 3) return notFound;
    const [, owner, name, section, ...rest] = parts;
    if (section === 'installation') {
      if (caller.kind !== 'app')
        return json(
          401,
          p.message('A JSON web token could not be decoded', 401),
        );
      const repo = await repos.repo(owner, name);
      return repo
        ? json(200, p.installation(urls, tokens.appId!, repo.owner))
        : notFound;
    }
    const repo = await visible(caller, owner, name);
    if (!repo) return notFound;
    if (section === undefined) {
      const head = await repos.commit(owner, name, repo.defaultBranch);
      return json(200, p.repository(urls, repo, head?.committer.date));
    }
    if (section === 'branches' && method === 'GET') {
      const all = await repos.branches(owner, name);
      if (rest.length > 0) {
        const b = all.find(x => x.name === rest.join('/'));
        return b
          ? json(200, p.branch(urls, repo, b))
          : json(404, p.message('Branch not found', 404));
      }
      return paginate(
        all.map(b => p.branch(urls, repo, b)),
        query,
        `${urls.api}/repos/${owner}/${name}/branches`,
      );
    }
    if (section === 'commits' && method === 'GET' && rest.length > 0) {
      const ref = rest.join('/');
      const c = await repos.commit(owner, name, ref);
      return c
        ? json(200, p.commit(urls, repo, c))
        : json(422, p.message(`No commit found for SHA: ${ref}`, 422));
    }
    if (section === 'deployments') {
      return deployments.route(method, caller, repo, rest, query, body);
    }
    return notFound;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const caller = tokens.identify(req.headers.authorization);
    const done = (status: number) =>
      log(`${method} ${url.pathname} ${status} (${caller.kind})`);
    const gitPath = parseGitPath(url.pathname);
    if (gitPath) {
      const gitReq = {
        ...gitPath,
        root: options.gitRoot ?? '',
        query: url.searchParams,
      };
      const refused = refusal(gitReq, method);
      const repo = await repos.repo(gitPath.owner, gitPath.name);
      const dir = repos.gitDir(gitPath.owner, gitPath.name);
      let status = 200;
      if (refused) [status] = refused;
      // GitHub asks for credentials before it says whether a repo exists.
      else if (
        caller.kind === 'invalid' ||
        (caller.kind === 'anonymous' && (!repo || repo.private))
      )
        status = 401;
      else if (
        !repo ||
        !dir ||
        !options.gitRoot ||
        (repo.private && !TokenStore.canRead(caller, repo.owner, repo.name))
      )
        status = 404;
      done(status);
      if (status === 200) {
        serveGit(req, res, gitReq, log);
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (status === 401) headers['www-authenticate'] = 'Basic realm="GitHub"';
      res.writeHead(status, headers);
      res.end(
        refused?.[1] ??
          (status === 401
            ? 'Invalid username or token.\n'
            : 'Repository not found.\n'),
      );
      return;
    }
    let path = url.pathname;
    if (path.startsWith('/api/v3/') || path === '/api/v3')
      path = path.slice('/api/v3'.length) || '/';
    else if (!API_ROOTS.test(path)) path = '';
    let reply: Reply;
    if (!path) reply = notFound;
    else if (caller.kind === 'invalid')
      reply = json(401, p.message('Bad credentials', 401));
    else {
      const body =
        method === 'POST' || method === 'PATCH'
          ? await readJson(req)
          : undefined;
      reply =
        body === null
          ? json(400, p.message('Problems parsing JSON', 400))
          : await api(method, path, url.searchParams, caller, body);
    }
    done(reply.status);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      ...reply.headers,
    });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  return {
    tokens,
    /** A node:http request listener. */
    handler(req: IncomingMessage, res: ServerResponse) {
      handle(req, res).catch(error => {
        log(
          `${req.method} ${req.url?.split('?')[0]} 500: ${
            error instanceof Error ? error.message : error
          }`,
        );
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(p.message('Server Error', 500)));
      });
    },
  };
}

/**
 * The permissions a token request asked for, checked against the
 * installation's as GitHub does (422 for more than it has); undefined when
 * it asked for none (the token gets all of the installation's).
 */
function narrowed(
  asked: unknown,
  granted: Record<string, string>,
): Record<string, string> | string | undefined {
  if (asked === undefined || asked === null) return undefined;
  if (typeof asked !== 'object' || Array.isArray(asked))
    return 'permissions must be an object';
  const rank = (level: unknown) => ['read', 'write'].indexOf(String(level));
  for (const [name, level] of Object.entries(asked)) {
    if (rank(level) < 0 || rank(level) > rank(granted[name]))
      return `The permissions requested are not granted to this installation (${name}: ${level})`;
  }
  return asked as Record<string, string>;
}

/** per_page/page with a Link header, as Octokit's paginate() follows it. */
function paginate(
  items: unknown[],
  query: URLSearchParams,
  base: string,
): Reply {
  const perPage = Math.min(
    Math.max(Number(query.get('per_page') ?? 30) || 30, 1),
    100,
  );
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const links = [];
  if (page < last)
    links.push(
      `<${base}?per_page=${perPage}&page=${page + 1}>; rel="next"`,
      `<${base}?per_page=${perPage}&page=${last}>; rel="last"`,
    );
  return json(
    200,
    items.slice((page - 1) * perPage, page * perPage),
    links.length ? { link: links.join(', ') } : undefined,
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function loadState(file: string | undefined): State {
  const empty = { nextId: 1, deployments: [], tokens: [] };
  if (!file || !fs.existsSync(file)) return empty;
  return { ...empty, ...JSON.parse(fs.readFileSync(file, 'utf8')) };
}
