import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * The real portal backend (packages/backend, as `yarn start` runs it) on a
 * free port against the test world: its PostgreSQL (own prefix), RabbitMQ,
 * the local GitHub (with its App), and the GitHub webhook secret. Webhooks
 * come from the local GitHub's sender (scripts/testenv/src/github/cli.ts).
 */

const execFileAsync = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '../../../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs the local GitHub's CLI (`add`, `webhook`); resolves with stdout. */
export async function githubCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--require',
        '@backstage/cli/config/nodeTransform.cjs',
        'scripts/testenv/src/github/cli.ts',
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
    );
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    if (typeof failed.code !== 'number') throw error;
    return {
      stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
      code: failed.code,
    };
  }
}

export interface Portal {
  base: string;
  dir: string;
  secretFile: string;
  webhookUrl: string;
  cluster: string;
  dbPrefix: string;
  log(): string;
  /** GET/PUT/POST on the portal with the guest's token. */
  api(method: string, url: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

export async function startPortal(options: {
  entitiesFile: string;
  run: string;
}): Promise<Portal> {
  const env = process.env;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-portal-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secretFile = path.join(dir, 'webhook-secret');
  fs.writeFileSync(secretFile, randomBytes(16).toString('hex'), {
    mode: 0o600,
  });
  const cluster = `wh-${options.run}`;
  const dbPrefix = `kli8nt_wh_${options.run}_`;
  const appKey = fs
    .readFileSync(env.KLI8NT_TEST_GITHUB_APP_KEY_FILE!, 'utf8')
    .trim()
    .split('\n')
    .map(line => `            ${line}`)
    .join('\n');
  const config = `
backend:
  baseUrl: ${base}
  listen: { port: ${port}, host: 127.0.0.1 }
  database:
    client: pg
    connection: ${env.KLI8NT_TEST_PG_URL}
    prefix: ${dbPrefix}
catalog:
  locations:
    - type: file
      target: ${path.join(REPO_ROOT, 'examples/org.yaml')}
      rules:
        - allow: [User, Group]
    - type: file
      target: ${options.entitiesFile}
events:
  modules:
    github:
      webhookSecret: ${fs.readFileSync(secretFile, 'utf8')}
kli8nt:
  cluster: ${cluster}
  secretKey: ${randomBytes(32).toString('base64')}
  rabbitmq:
    url: ${env.KLI8NT_TEST_AMQP_URL}
  github:
    host: ${env.KLI8NT_TEST_GITHUB_HOST}
integrations:
  github:
    - host: ${env.KLI8NT_TEST_GITHUB_HOST}
      apiBaseUrl: ${env.KLI8NT_TEST_GITHUB_API}
      apps:
        - appId: ${env.KLI8NT_TEST_GITHUB_APP_ID}
          clientId: local-github-app
          clientSecret: local-github-app
          privateKey: |
${appKey}
`;
  const configFile = path.join(dir, 'app-config.test.yaml');
  fs.writeFileSync(configFile, config, { mode: 0o600 });
  const out: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      'src/index.ts',
      '--config',
      path.join(REPO_ROOT, 'app-config.yaml'),
      '--config',
      configFile,
    ],
    {
      cwd: path.join(REPO_ROOT, 'packages/backend'),
      env: { ...env, NODE_ENV: 'development', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout!.on('data', d => out.push(String(d)));
  child.stderr!.on('data', d => out.push(String(d)));
  const exited = new Promise(resolve => child.once('exit', resolve));

  let token: string | undefined;
  async function api(method: string, url: string, body?: unknown) {
    if (!token) {
      const res = await fetch(
        `${base}/api/auth/guest/refresh?env=development`,
        { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
      );
      token = (await res.json()).backstageIdentity.token;
    }
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) {
      throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise(r => setTimeout(r, 10_000))]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // ended
    }
  };

  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the portal exited:\n${out.join('').slice(-3000)}`);
    }
    const ready = await fetch(`${base}/.backstage/health/v1/readiness`)
      .then(r => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the portal is not ready:\n${out.join('').slice(-3000)}`);
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  return {
    base,
    dir,
    secretFile,
    webhookUrl: `${base}/api/events/http/github`,
    cluster,
    dbPrefix,
    log: () => out.join(''),
    api,
    stop,
  };
}
