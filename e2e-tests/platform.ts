/*
 * What the system test reaches besides the browser: the local platform of
 * scripts/platform (its test world's env is exported by scripts/e2e.sh),
 * the ingress (apps fetched over HTTPS, the certificate verified against the
 * apps CA), the local GitHub (new commits pushed from a temporary copy of an
 * example, and the signed webhooks it sends the portal) and the cluster
 * (kubectl as admin).
 */
import { expect } from '@playwright/test';
import { getThroughIngress, readTestEnv } from '@internal/testenv';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

export function platformEnv() {
  const env = readTestEnv();
  if (!env?.ingress || !env.github) {
    throw new Error(
      'the system test needs the local platform: run it through scripts/e2e.sh (or scripts/test.sh)',
    );
  }
  return { env, ingress: env.ingress, ca: readFileSync(env.ingress.caFile) };
}

/** GET https://<app>.<apps domain><path> through the ingress. */
export async function fetchApp(app: string, urlPath = '/') {
  const { ingress, ca } = platformEnv();
  return getThroughIngress(
    ingress.https,
    `${app}.${ingress.appsDomain}`,
    ca,
    urlPath,
  );
}

/** The app's HTTPS answer comes to match `body` within two minutes. */
export async function expectServed(app: string, body: RegExp) {
  await expect
    .poll(
      async () => (await fetchApp(app).catch(e => ({ body: String(e) }))).body,
      { timeout: 2 * 60_000 },
    )
    .toMatch(body);
}

export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec('kubectl', args, { maxBuffer: 16 << 20 });
  return stdout;
}

/**
 * A copy of examples/apps/<example> with `edit` applied, published as a
 * new commit of `slug` in the local GitHub on `branch` (default main; a
 * new branch starts from no parent), through scripts/local-app when
 * `register` names the entity to create. Returns the commit SHA.
 */
export async function publish(options: {
  example?: string;
  slug?: string;
  branch?: string;
  files?: Record<string, string>;
  register?: string;
  edit?: (dir: string) => void;
}): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kli8nt-e2e-'));
  if (options.example) {
    cpSync(path.join(ROOT, 'examples/apps', options.example), dir, {
      recursive: true,
    });
  }
  for (const [name, text] of Object.entries(options.files ?? {})) {
    writeFileSync(path.join(dir, name), text);
  }
  options.edit?.(dir);
  if (options.register) {
    const { stdout } = await exec(
      path.join(ROOT, 'scripts/local-app'),
      ['add', dir, '--name', options.register],
      { cwd: ROOT },
    );
    return /at ([0-9a-f]{7})/.exec(stdout)![1];
  }
  const { stdout } = await exec(
    'node',
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      'scripts/testenv/src/github/cli.ts',
      'add',
      dir,
      options.slug!,
      ...(options.branch ? ['--branch', options.branch] : []),
    ],
    { cwd: ROOT },
  );
  return (JSON.parse(stdout) as { sha: string }).sha;
}

/**
 * The local GitHub delivers a signed `push` or `pull_request` webhook of
 * `slug` to the portal (`scripts/platform webhook`, whose usage lists the
 * options). Returns the delivery; a refused one (status 300 or more) throws.
 */
export async function webhook(
  event: 'push' | 'pull_request',
  slug: string,
  options: Record<string, string>,
): Promise<{ id: string; status: number; body: string }> {
  const args = ['webhook', event, slug];
  for (const [name, value] of Object.entries(options)) {
    args.push(`--${name}`, value);
  }
  const { stdout } = await exec(
    path.join(ROOT, 'scripts/platform/platform'),
    args,
    { cwd: ROOT },
  ).catch(error => {
    throw new Error(
      `scripts/platform ${args.join(' ')} failed: ${error.stdout ?? ''}${
        error.stderr ?? error
      }`,
    );
  });
  return JSON.parse(stdout);
}
