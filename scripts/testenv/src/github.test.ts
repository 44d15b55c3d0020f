/*
 * The local GitHub of `testenv up github`: repositories added from local
 * directories are served over git smart HTTP with GitHub's credential
 * rules, and the backend's own GithubGateway (through Backstage's GitHub
 * integration, as a GitHub App) reads them and mints the clone token that
 * the build Job's clone script then uses.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// Adding package dependencies needs a lockfile change; until then these
// come through the workspace. The seam under test is the backend's gateway
// and the build Job's clone script, so they are imported, not copied.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { ConfigReader } from '@backstage/config';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { OctokitGithubGateway } from '../../../plugins/kli8nt-backend/src/github/GithubGateway';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { CLONE_SCRIPT } from '../../../controllers/src/build/desired';
import { addRepository, GitRoot } from './github/repos';
import { createFakeGithub } from './github/server';
import { readTestEnv, TestGithub } from './index';

const run = promisify(execFile);
const gh = readTestEnv()?.github;
if (!gh && process.env.KLI8NT_TESTENV === 'required') {
  throw new Error(
    'KLI8NT_TESTENV=required but KLI8NT_TEST_GITHUB_API is not set (testenv up github)',
  );
}
const describeWithGithub = gh ? describe : describe.skip;

jest.setTimeout(60_000);

/** Basic auth for x-access-token, as the build's clone Secret holds it. */
const header = (token: string) =>
  `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString(
    'base64',
  )}`;

/** Runs the build Job's clone script; resolves to its exit code and output. */
async function cloneScript(
  cloneUrl: string,
  revision: string,
  dir: string,
  token?: string,
) {
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSL_CAINFO: gh!.caFile,
    KLI8NT_SOURCE_DIR: path.join(dir, 'src'),
    KLI8NT_CLONE_URL: cloneUrl,
    KLI8NT_REVISION: revision,
  };
  if (token !== undefined) {
    env.KLI8NT_HEADER_FILE = path.join(dir, 'header');
    await fs.writeFile(env.KLI8NT_HEADER_FILE, header(token), { mode: 0o600 });
  }
  try {
    const { stdout } = await run('sh', ['-c', CLONE_SCRIPT], { env, cwd: dir });
    return { code: 0, output: stdout };
  } catch (error: any) {
    return {
      code: error.code as number,
      output: `${error.stdout}${error.stderr}`,
    };
  }
}

describeWithGithub('local GitHub', () => {
  const g = gh as TestGithub;
  // A fresh account per run: the git root outlives test runs.
  const owner = `t${Date.now().toString(36)}`;
  let work: string;
  let privSha: string;
  let pubSha: string;
  let otherSha: string;
  const useCloneUrl = (name: string) => `${g.gitUrl}/${owner}/${name}.git`;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'kli8nt-github-test-'));
    const src = path.join(work, 'app');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'package.json'), '{"name":"app"}\n');
    await fs.writeFile(path.join(src, '.gitignore'), 'node_modules\n');
    await fs.mkdir(path.join(src, 'node_modules'));
    await fs.writeFile(path.join(src, 'node_modules', 'junk'), 'x');
    pubSha = (
      await addRepository({ root: g.gitRoot, owner, name: 'pub', source: src })
    ).sha;
    await fs.writeFile(path.join(src, 'secret.txt'), 'private\n');
    privSha = (
      await addRepository({
        root: g.gitRoot,
        owner,
        name: 'priv',
        source: src,
        private: true,
      })
    ).sha;
    otherSha = (
      await addRepository({
        root: g.gitRoot,
        owner,
        name: 'other',
        source: src,
        private: true,
      })
    ).sha;
  });
  afterAll(async () => {
    await fs.rm(path.join(g.gitRoot, owner), { recursive: true, force: true });
    await fs.rm(work, { recursive: true, force: true });
  });

  const gateway = () =>
    OctokitGithubGateway.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: g.host,
              apiBaseUrl: g.apiBaseUrl,
              apps: [
                {
                  appId: Number(g.appId),
                  privateKey: readFileSync(g.appKeyFile, 'utf8'),
                  clientId: 'unused',
                  clientSecret: 'unused',
                  webhookSecret: 'unused',
                },
              ],
            },
          ],
        },
      }),
    );
  const ref = (name: string) => ({ host: g.host, owner, name });

  it('snapshots a directory as one commit, honouring its .gitignore', async () => {
    const files = await run('git', [
      '-C',
      path.join(g.gitRoot, owner, 'pub.git'),
      'ls-tree',
      '-r',
      '--name-only',
      pubSha,
    ]);
    expect(files.stdout.split('\n').filter(Boolean).sort()).toEqual([
      '.gitignore',
      'package.json',
    ]);
    const again = await addRepository({
      root: g.gitRoot,
      owner,
      name: 'pub',
      source: path.join(work, 'app'),
    });
    expect(again.sha).not.toBe(pubSha); // secret.txt was added since
    const unchanged = await addRepository({
      root: g.gitRoot,
      owner,
      name: 'pub',
      source: path.join(work, 'app'),
    });
    expect(unchanged.sha).toBe(again.sha);
  });

  it('clones a public repository anonymously, by SHA as the build does', async () => {
    const dir = await fs.mkdtemp(path.join(work, 'clone-'));
    const result = await cloneScript(useCloneUrl('pub'), pubSha, dir);
    expect(result).toEqual({ code: 0, output: `cloned ${pubSha}\n` });
    expect(
      await fs.readFile(path.join(dir, 'src', 'package.json'), 'utf8'),
    ).toBe('{"name":"app"}\n');
  });

  it('refuses a private repository without a token, or with a bad one', async () => {
    const anonymous = await cloneScript(
      useCloneUrl('priv'),
      privSha,
      await fs.mkdtemp(path.join(work, 'clone-')),
    );
    expect(anonymous.code).not.toBe(0);
    const bad = await cloneScript(
      useCloneUrl('priv'),
      privSha,
      await fs.mkdtemp(path.join(work, 'clone-')),
      'ghs_bogus',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.output).not.toContain('ghs_bogus');
  });

  it('serves what the backend gateway reads, and mints a clone token as a GitHub App', async () => {
    const gw = gateway();
    expect(await gw.getRepository(ref('priv'))).toEqual({
      defaultBranch: 'main',
      cloneUrl: `${g.gitUrlNode}/${owner}/priv.git`,
      private: true,
    });
    expect(await gw.listBranches(ref('priv'))).toEqual([
      { name: 'main', commitSha: privSha },
    ]);
    expect(await gw.resolveCommit(ref('priv'), 'main')).toBe(privSha);
    expect(await gw.resolveCommit(ref('priv'), privSha.slice(0, 7))).toBe(
      privSha,
    );
    await expect(gw.resolveCommit(ref('priv'), 'nope')).rejects.toThrow(
      "Ref 'nope' was not found",
    );
    await expect(gw.getRepository(ref('missing'))).rejects.toThrow(
      'was not found',
    );

    const token = await gw.cloneToken(ref('priv'));
    expect(token).toMatch(/^ghs_/);
    const dir = await fs.mkdtemp(path.join(work, 'clone-'));
    const result = await cloneScript(useCloneUrl('priv'), privSha, dir, token);
    expect(result).toEqual({ code: 0, output: `cloned ${privSha}\n` });
    expect(await fs.readFile(path.join(dir, 'src', 'secret.txt'), 'utf8')).toBe(
      'private\n',
    );

    // Scoped to priv with contents: read: another private repository of
    // the same installation does not clone, and nothing can be written.
    const other = await cloneScript(
      useCloneUrl('other'),
      otherSha,
      await fs.mkdtemp(path.join(work, 'clone-')),
      token,
    );
    expect(other.code).not.toBe(0);
    expect(other.output).toMatch(/not found|404/i);
    expect(other.output).not.toContain(token!);
    const write = await fetch(
      `${g.apiBaseUrl}/repos/${owner}/priv/deployments`,
      {
        method: 'POST',
        headers: { authorization: `token ${token}` },
        body: JSON.stringify({ ref: privSha, environment: 'x' }),
      },
    );
    expect(write.status).toBe(403);
    const listed = await fetch(`${g.apiBaseUrl}/installation/repositories`, {
      headers: { authorization: `token ${token}` },
    });
    expect((await listed.json()).repositories.map((r: any) => r.name)).toEqual([
      'priv',
    ]);
    // Every call mints a new token: none is cached.
    expect(await gw.cloneToken(ref('priv'))).not.toBe(token);
  });

  it('records deployments and their statuses', async () => {
    const gw = gateway();
    const id = await gw.createDeployment(ref('priv'), {
      sha: privSha,
      environment: 'kli8nt-test',
      description: 'Deploy request from kli8nt',
      deploymentId: '01J00000000000000000000000',
    });
    await gw.createDeploymentStatus(ref('priv'), id, { state: 'in_progress' });
    await gw.createDeploymentStatus(ref('priv'), id, {
      state: 'success',
      environmentUrl: 'https://app.test',
    });
    const pat = (await fs.readFile(g.tokenFile, 'utf8')).trim();
    const res = await fetch(
      `${g.apiBaseUrl}/repos/${owner}/priv/deployments/${id}/statuses`,
      {
        headers: { authorization: `token ${pat}` },
      },
    );
    const statuses = await res.json();
    expect(statuses.map((s: any) => [s.state, s.environment_url])).toEqual([
      ['success', 'https://app.test'],
      ['in_progress', ''],
    ]);
    const anonymous = await fetch(
      `${g.apiBaseUrl}/repos/${owner}/priv/deployments`,
    );
    expect(anonymous.status).toBe(404);
    const bad = await fetch(`${g.apiBaseUrl}/repos/${owner}/pub`, {
      headers: { authorization: 'token nope' },
    });
    expect(bad.status).toBe(401);
  });

  it('refuses an installation token once it has expired, and for another account', async () => {
    // The shared server's tokens live an hour: this one has a clock to turn.
    let now = Date.now();
    const seen: string[] = [];
    const fake = createFakeGithub({
      log: line => seen.push(line),
      repos: new GitRoot(g.gitRoot),
      gitRoot: g.gitRoot,
      urls: { web: 'http://127.0.0.1', api: 'http://127.0.0.1/api/v3' },
      now: () => now,
    });
    const server = http.createServer(fake.handler);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as any).port}`;
    try {
      const { token } = fake.tokens.mint(1, owner);
      const { token: other } = fake.tokens.mint(2, 'someone-else');
      const clone = async (t: string) =>
        (
          await cloneScript(
            `${base}/${owner}/priv.git`,
            privSha,
            await fs.mkdtemp(path.join(work, 'clone-')),
            t,
          )
        ).code;
      expect(await clone(token)).toBe(0);
      seen.length = 0;
      expect(await clone(other)).not.toBe(0);
      // Like GitHub: a valid token that may not read the repository is told it is not there.
      expect(seen).toContain(
        `GET /${owner}/priv.git/info/refs 404 (installation)`,
      );
      now += 3601_000;
      seen.length = 0;
      expect(await clone(token)).not.toBe(0);
      expect(seen).toContain(`GET /${owner}/priv.git/info/refs 401 (invalid)`);
    } finally {
      server.close();
    }
  });
});
