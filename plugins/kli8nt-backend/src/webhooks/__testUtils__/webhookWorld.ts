/* eslint-disable jest/no-export */
import { ConfigReader } from '@backstage/config';
import {
  INFORM_QUEUE,
  Kli8ntMessage,
  StatusReportMessage,
  createMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { githubCli, Portal, startPortal } from './portal';

/*
 * The world of the webhook tests: the real portal backend (./portal) with
 * PostgreSQL, RabbitMQ and the local GitHub of the test world, one app
 * entity whose repository the tests commit to (and a monorepo's entities
 * if asked for), and the tests playing the controllers on the queues (the
 * system test runs the real ones on the real node).
 */

const quiet = { info() {}, warn() {}, error() {} };

/** A digest made of one repeated hex character `c`. */
export const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** The services the webhook tests need (for `describeWithTestEnv`). */
export const WEBHOOK_TEST_ENV = [
  'KLI8NT_TEST_AMQP_URL',
  'KLI8NT_TEST_PG_URL',
  'KLI8NT_TEST_GITHUB_API',
  'KLI8NT_TEST_GIT_ROOT',
];

/**
 * Starts the world before the calling describe's tests and stops it after
 * them. The app has env GREETING=hello and secret API_TOKEN, deploys main
 * on push and previews pull requests (at most 2, with secrets).
 * `monorepoApps` adds one entity `<app>-<run>` per name, bound to the
 * repository `monoSlug` with source path `apps/<app>`.
 */
export function webhookWorld(options: { monorepoApps?: string[] } = {}) {
  const monorepoApps = options.monorepoApps ?? [];
  const run = randomBytes(3).toString('hex');
  const owner = `wh-${run}`;
  const slug = `${owner}/shop`;
  const name = `shop-${run}`;
  const entityRef = `component:default/${name}`;
  const monoSlug = `${owner}/mono`;
  const seen: Array<{ queue: string; message: Kli8ntMessage }> = [];
  let portal: Portal;
  let controllers: AmqpWorkQueue<Kli8ntMessage>;
  let work: string;
  let saved: unknown;

  /**
   * A new commit of `branch` in `repo` (default: the app's repo) that
   * writes `text` to each of `files` (default: version.txt) of `dir`.
   */
  async function commit(
    branch: string,
    text: string,
    repo = slug,
    { dir = work, files = ['version.txt'] } = {},
  ) {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const { stdout, code } = await githubCli([
      'add',
      dir,
      repo,
      '--mode',
      'snapshot',
      '--branch',
      branch,
      '--message',
      text,
    ]);
    if (code !== 0) throw new Error(stdout);
    return JSON.parse(stdout).sha as string;
  }

  async function webhook(args: string[], secretFile = portal.secretFile) {
    const { stdout } = await githubCli(['webhook', ...args], {
      KLI8NT_WEBHOOK_URL: portal.webhookUrl,
      KLI8NT_WEBHOOK_SECRET_FILE: secretFile,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as {
      status: number;
      body: string;
    };
  }

  const deployments = async (ref = entityRef) =>
    (
      await portal.api(
        'GET',
        `/api/kli8nt/deployments?entityRef=${encodeURIComponent(ref)}`,
      )
    ).items as any[];

  async function until<T>(what: string, find: () => Promise<T | undefined>) {
    for (let i = 0; i < 600; i++) {
      const found = await find();
      if (found) return found;
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const sent = (type: string, test: (m: any) => boolean): any[] =>
    seen.map(s => s.message).filter(m => m.type === type && test(m));

  async function report(
    message: any,
    status: StatusReportMessage['payload']['status'],
    extra: Record<string, string> = {},
  ) {
    await controllers.publish(
      INFORM_QUEUE,
      createMessage('StatusReport', {
        deploymentId: message.deploymentId,
        payload: {
          app: message.payload.app,
          cluster: portal.cluster,
          status,
          source: status === 'built' ? 'build' : 'deploy',
          ...extra,
        },
      }),
    );
  }

  /** Plays the build and deploy controllers for one build request. */
  async function goLive(build: any, c: string) {
    const app = build.payload.app;
    const image = {
      image: `registry.test/${app}@${digest(c)}`,
      imageDigest: digest(c),
    };
    await report(build.message, 'built', image);
    const [rollout] = await until('the rollout', async () => {
      const found = sent(
        'DeployRequested',
        m => m.deploymentId === build.message.deploymentId,
      );
      return found.length ? found : undefined;
    });
    await report(rollout, 'live', {
      ...image,
      url: `https://${app}.apps.kli8nt.test`,
    });
    return rollout;
  }

  const buildOf = (app: string, revision: string) =>
    until(`the build of ${revision} for ${app}`, async () => {
      const [found] = sent(
        'BuildRequested',
        m => m.payload.app === app && m.payload.revision === revision,
      );
      return found ? { message: found, payload: found.payload } : undefined;
    });

  async function statusOf(ref: string, sha: string, status: string) {
    return until(`${sha} ${status}`, async () =>
      (await deployments(ref)).find(
        d => d.commitSha === sha && d.status === status,
      ),
    );
  }

  /** GET on the local GitHub's API with the test world's token. */
  async function githubGet(url: string): Promise<any> {
    const token = fs
      .readFileSync(process.env.KLI8NT_TEST_GITHUB_TOKEN_FILE!, 'utf8')
      .trim();
    const res = await fetch(url, {
      headers: { authorization: `token ${token}` },
    });
    return res.json();
  }

  /** The GitHub Deployments of the app's repository in `environment`. */
  const githubDeployments = (environment: string): Promise<any[]> =>
    githubGet(
      `${
        process.env.KLI8NT_TEST_GITHUB_API
      }/repos/${slug}/deployments?environment=${encodeURIComponent(
        environment,
      )}`,
    );

  /** The state of a GitHub Deployment's latest status. */
  const lastState = async (deployment: any) =>
    (await githubGet(deployment.statuses_url))[0]?.state;

  beforeAll(async () => {
    work = fs.mkdtempSync('/tmp/kli8nt-wh-repo-');
    fs.writeFileSync(
      path.join(work, 'server.js'),
      "require('http').createServer((q, s) => s.end('hi')).listen(8080);\n",
    );
    await commit('main', 'v0');
    const entities = path.join(work, '..', `kli8nt-wh-${run}.yaml`);
    fs.writeFileSync(
      entities,
      `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations:
    github.com/project-slug: ${slug}
spec:
  type: service
  lifecycle: experimental
  owner: user:default/guest
${monorepoApps
  .map(
    app => `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${app}-${run}
  annotations:
    github.com/project-slug: ${monoSlug}
    kli8nt.io/source-path: apps/${app}
spec:
  type: service
  lifecycle: experimental
  owner: user:default/guest
`,
  )
  .join('')}`,
    );
    portal = await startPortal({ entitiesFile: entities, run });
    const { rabbitmq } = readKli8ntNodeConfig(
      new ConfigReader({
        kli8nt: { rabbitmq: { url: process.env.KLI8NT_TEST_AMQP_URL } },
      }),
    );
    controllers = await AmqpWorkQueue.create<Kli8ntMessage>({
      config: rabbitmq!,
      parser: parseMessage,
      logger: quiet,
    });
    for (const queue of [
      `build.${portal.cluster}`,
      `deploy.${portal.cluster}`,
    ]) {
      await controllers.consume(queue, async message => {
        seen.push({ queue, message });
      });
    }
    await until('the entity in the catalog', async () =>
      portal
        .api('GET', `/api/catalog/entities/by-name/component/default/${name}`)
        .catch(() => undefined),
    );
    await portal.api(
      'PUT',
      `/api/kli8nt/apps/settings?entityRef=${entityRef}`,
      { env: { GREETING: 'hello' }, secretEnv: { API_TOKEN: 's3cret' } },
    );
    saved = await portal.api(
      'PUT',
      `/api/kli8nt/apps/git-settings?entityRef=${entityRef}`,
      {
        autoDeployBranch: 'main',
        previews: { enabled: true, limit: 2, secrets: true },
      },
    );
  });

  afterAll(async () => {
    await controllers?.close();
    await portal?.stop();
    // The portal's own log, for a failure's cause.
    if (portal) fs.writeFileSync(`${portal.dir}/portal.log`, portal.log());
  });

  return {
    run,
    slug,
    name,
    entityRef,
    monoSlug,
    /** Every message the portal sent to the build and deploy queues. */
    seen,
    get portal() {
      return portal;
    },
    /** What the app's git settings PUT answered. */
    get saved() {
      return saved;
    },
    commit,
    webhook,
    deployments,
    until,
    sent,
    report,
    goLive,
    buildOf,
    statusOf,
    githubDeployments,
    lastState,
  };
}
