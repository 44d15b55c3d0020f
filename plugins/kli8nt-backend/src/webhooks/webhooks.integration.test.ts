import { ConfigReader } from '@backstage/config';
import {
  INFORM_QUEUE,
  Kli8ntMessage,
  StatusReportMessage,
  createMessage,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@internal/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { githubCli, Portal, startPortal } from './__testUtils__/portal';

/*
 * Deploy on push and previews through the real portal backend: GitHub
 * webhooks from the local GitHub's sender, signed, at the events backend's
 * endpoint; PostgreSQL, RabbitMQ and the local GitHub (with its Deployments
 * API) of the test world. The test plays the controllers on the queues (the
 * system test runs the real ones on the real node).
 */

const quiet = { info() {}, warn() {}, error() {} };
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describeWithTestEnv(
  [
    'KLI8NT_TEST_AMQP_URL',
    'KLI8NT_TEST_PG_URL',
    'KLI8NT_TEST_GITHUB_API',
    'KLI8NT_TEST_GIT_ROOT',
  ],
  'deploy on push and previews (the portal backend on the test world)',
  () => {
    jest.setTimeout(300_000);
    const run = randomBytes(3).toString('hex');
    const owner = `wh-${run}`;
    const slug = `${owner}/shop`;
    const name = `shop-${run}`;
    const entityRef = `component:default/${name}`;
    // A monorepo: two apps in subdirectories of one repository.
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

    const githubDeployments = async (environment: string) => {
      const res = await fetch(
        `${
          process.env.KLI8NT_TEST_GITHUB_API
        }/repos/${slug}/deployments?environment=${encodeURIComponent(
          environment,
        )}`,
        {
          headers: {
            authorization: `token ${fs
              .readFileSync(process.env.KLI8NT_TEST_GITHUB_TOKEN_FILE!, 'utf8')
              .trim()}`,
          },
        },
      );
      return (await res.json()) as any[];
    };

    const lastState = async (deployment: any) => {
      const res = await fetch(deployment.statuses_url, {
        headers: {
          authorization: `token ${fs
            .readFileSync(process.env.KLI8NT_TEST_GITHUB_TOKEN_FILE!, 'utf8')
            .trim()}`,
        },
      });
      const statuses = (await res.json()) as any[];
      return statuses[0]?.state;
    };

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
${['web', 'docs']
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

    it('a signed push to the tracked branch deploys its head, recorded as the push', async () => {
      expect(saved).toEqual({
        entityRef,
        app: name,
        autoDeployBranch: 'main',
        previews: { enabled: true, limit: 2, secrets: true },
      });
      const sha = await commit('main', 'v1');
      const delivery = await webhook([
        'push',
        slug,
        '--branch',
        'main',
        '--pusher',
        'jane',
      ]);
      expect(delivery.status).toBe(202);
      const build = await buildOf(name, sha);
      expect(build.payload.config.env).toEqual({ GREETING: 'hello' });
      const [deployment] = await deployments();
      expect(deployment).toMatchObject({
        trigger: 'push',
        commitSha: sha,
        ref: 'main',
        requestedBy: 'github:jane',
        triggerUrl: expect.stringMatching(
          new RegExp(
            `/${slug}/compare/[0-9a-f]{12}\\.\\.\\.${sha.slice(0, 12)}$`,
          ),
        ),
      });
      await goLive(build, '1');
      await statusOf(entityRef, sha, 'live');
    });

    it('a push to another branch, or a tag, deploys nothing', async () => {
      const before = (await deployments()).length;
      const builds = seen.length;
      await commit('dev', 'dev-1');
      expect(
        (await webhook(['push', slug, '--branch', 'dev', '--pusher', 'jane']))
          .status,
      ).toBe(202);
      await new Promise(r => setTimeout(r, 1500));
      expect((await deployments()).length).toBe(before);
      expect(seen.length).toBe(builds);
      expect(portal.log()).toMatch(/pushed to dev, the app tracks main/);
    });

    it('an unsigned or wrongly signed webhook is refused and logged, nothing queued', async () => {
      const before = (await deployments()).length;
      const builds = seen.length;
      const sha = await commit('main', 'v2-unsigned');
      const wrong = path.join(portal.dir, 'wrong-secret');
      fs.writeFileSync(wrong, 'not-the-secret');
      const forged = await webhook(
        ['push', slug, '--branch', 'main', '--pusher', 'mallory'],
        wrong,
      );
      expect(forged).toMatchObject({ status: 403 });
      expect(JSON.parse(forged.body)).toEqual({ message: 'invalid signature' });
      const unsigned = await fetch(portal.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
        },
        body: JSON.stringify({ ref: 'refs/heads/main', after: sha }),
      });
      expect(unsigned.status).toBe(403);
      await new Promise(r => setTimeout(r, 1500));
      expect((await deployments()).length).toBe(before);
      expect(seen.length).toBe(builds);
      expect(portal.log()).toMatch(
        /POST \/api\/events\/http\/github HTTP\/1\.1" 403/,
      );
    });

    it('three quick pushes: only the newest serves, a late older push deploys nothing', async () => {
      const shas: string[] = [];
      for (const v of ['v3a', 'v3b', 'v3c']) {
        shas.push(await commit('main', v));
        expect(
          (
            await webhook([
              'push',
              slug,
              '--branch',
              'main',
              '--pusher',
              'jane',
            ])
          ).status,
        ).toBe(202);
      }
      const builds = await Promise.all(shas.map(s => buildOf(name, s)));
      // The newest build finishes first; the older ones come late.
      await goLive(builds[2], 'c');
      await report(builds[0].message, 'built', {
        image: `registry.test/${name}@${digest('a')}`,
        imageDigest: digest('a'),
      });
      await report(builds[1].message, 'built', {
        image: `registry.test/${name}@${digest('b')}`,
        imageDigest: digest('b'),
      });
      await statusOf(entityRef, shas[2], 'live');
      await statusOf(entityRef, shas[0], 'superseded');
      await statusOf(entityRef, shas[1], 'superseded');
      await new Promise(r => setTimeout(r, 1000));
      for (const old of [builds[0], builds[1]]) {
        expect(
          sent(
            'DeployRequested',
            m => m.deploymentId === old.message.deploymentId,
          ),
        ).toEqual([]);
      }
      // A delivery of v3b's push after v3c's deploys nothing.
      const before = (await deployments()).length;
      await webhook([
        'push',
        slug,
        '--branch',
        'main',
        '--before',
        shas[0],
        '--after',
        shas[1],
        '--pusher',
        'jane',
      ]);
      expect((await deployments()).length).toBe(before);
    });

    it('a pull request gets a preview; an update redeploys it; closing it removes it and marks its GitHub Deployment inactive', async () => {
      const preview = `pr-5--${name}`;
      const head1 = await commit('feature', 'feature-1');
      const opened = await webhook([
        'pull_request',
        slug,
        '--number',
        '5',
        '--action',
        'opened',
        '--head',
        'feature',
        '--base',
        'main',
        '--user',
        'sam',
      ]);
      expect(opened.status).toBe(202);
      const build = await buildOf(preview, head1);
      expect(build.payload.config.env).toEqual({ GREETING: 'hello' });
      expect(Object.keys(build.payload.config.secretEnv)).toEqual([
        'API_TOKEN',
      ]);
      await goLive(build, '5');
      const [listed] = await until('the live preview', async () => {
        const { items } = await portal.api(
          'GET',
          `/api/kli8nt/apps/previews?entityRef=${entityRef}`,
        );
        return items[0]?.status === 'live' ? items : undefined;
      });
      expect(listed).toMatchObject({
        app: preview,
        pullRequest: 5,
        commitSha: head1,
        url: `https://${preview}.apps.kli8nt.test`,
        fromFork: false,
      });
      const [pdep] = await deployments(`component:default/pr-5.${name}`);
      expect(pdep).toMatchObject({
        trigger: 'preview',
        requestedBy: 'github:sam',
        triggerUrl: expect.stringMatching(/\/pull\/5$/),
      });
      const ghDeployments = await githubDeployments('preview/pr-5');
      expect(ghDeployments.map(d => d.sha)).toEqual([head1]);

      const head2 = await commit('feature', 'feature-2');
      await webhook([
        'pull_request',
        slug,
        '--number',
        '5',
        '--action',
        'synchronize',
        '--head',
        'feature',
        '--base',
        'main',
        '--user',
        'sam',
      ]);
      await goLive(await buildOf(preview, head2), '6');
      await statusOf(`component:default/pr-5.${name}`, head2, 'live');

      await webhook([
        'pull_request',
        slug,
        '--number',
        '5',
        '--action',
        'closed',
        '--head',
        'feature',
        '--base',
        'main',
        '--user',
        'sam',
        '--merged',
      ]);
      await until('the delete', async () =>
        sent('DeleteRequested', m => m.payload.app === preview).length
          ? true
          : undefined,
      );
      const { items } = await portal.api(
        'GET',
        `/api/kli8nt/apps/previews?entityRef=${entityRef}`,
      );
      expect(items).toEqual([]);
      const after = await githubDeployments('preview/pr-5');
      expect(after.length).toBe(2);
      for (const d of after) expect(await lastState(d)).toBe('inactive');
    });

    it("a fork's preview gets no secrets; opening more than the cap stops the oldest", async () => {
      const fork = `mallory-${run}/shop`;
      const forkHead = await commit('patch', 'fork-1', fork);
      await webhook([
        'pull_request',
        slug,
        '--number',
        '6',
        '--action',
        'opened',
        '--head',
        'patch',
        '--head-repo',
        fork,
        '--base',
        'main',
        '--user',
        'mallory',
      ]);
      const build = await buildOf(`pr-6--${name}`, forkHead);
      expect(build.payload.config.secretEnv).toEqual({});
      expect(build.payload.config.env).toEqual({ GREETING: 'hello' });

      for (const n of [7, 8]) {
        const sha = await commit(`f${n}`, `f${n}`);
        await webhook([
          'pull_request',
          slug,
          '--number',
          String(n),
          '--action',
          'opened',
          '--head',
          `f${n}`,
          '--base',
          'main',
          '--user',
          'sam',
        ]);
        await buildOf(`pr-${n}--${name}`, sha);
      }
      // Limit 2: #8 stopped #6, the oldest.
      const { items } = await portal.api(
        'GET',
        `/api/kli8nt/apps/previews?entityRef=${entityRef}`,
      );
      expect(items.map((p: any) => p.pullRequest)).toEqual([8, 7]);
      expect(
        sent('DeleteRequested', m => m.payload.app === `pr-6--${name}`),
      ).toHaveLength(1);
    });

    it('a monorepo push redeploys only the apps whose source path it touches', async () => {
      const mono = fs.mkdtempSync('/tmp/kli8nt-wh-mono-');
      const edit = (text: string, files: string[]) =>
        commit('main', text, monoSlug, { dir: mono, files });
      await edit('m0', ['apps/web/index.js', 'apps/docs/index.md']);
      const apps = [`web-${run}`, `docs-${run}`];
      await Promise.all(
        apps.map(async app => {
          await until(`${app} in the catalog`, async () =>
            portal
              .api(
                'GET',
                `/api/catalog/entities/by-name/component/default/${app}`,
              )
              .catch(() => undefined),
          );
          await portal.api(
            'PUT',
            `/api/kli8nt/apps/git-settings?entityRef=component:default/${app}`,
            { autoDeployBranch: 'main' },
          );
        }),
      );
      const builds = (revision: string) =>
        sent('BuildRequested', m => m.payload.revision === revision).map(m => [
          m.payload.app,
          m.payload.sourcePath,
        ]);
      /** Pushes a commit changing `files`; waits for both apps' decisions. */
      async function push(text: string, files: string[]) {
        const sha = await edit(text, files);
        const logged = portal.log().length;
        expect(
          (
            await webhook([
              'push',
              monoSlug,
              '--branch',
              'main',
              '--pusher',
              'jane',
            ])
          ).status,
        ).toBe(202);
        // Each entity of the repository is decided on, deployed or skipped
        // (logged); a deployed one's build is then on the queue.
        const decisions = await Promise.all(
          apps.map(app =>
            until(`the decision for ${app}`, async () => {
              const log = portal.log().slice(logged);
              if (log.includes(`deploys ${app} `)) return 'deployed';
              const skip = `ignored for component:default/${app}: the push changed nothing under the app's source path`;
              return log.includes(skip) ? 'skipped' : undefined;
            }),
          ),
        );
        const deployed = decisions.filter(d => d === 'deployed').length;
        await until(`${deployed} queued builds of ${sha}`, async () =>
          builds(sha).length >= deployed ? true : undefined,
        );
        return sha;
      }

      const webOnly = await push('m1', ['apps/web/index.js']);
      expect(builds(webOnly)).toEqual([[`web-${run}`, 'apps/web']]);

      const docsOnly = await push('m2', ['apps/docs/index.md']);
      expect(builds(docsOnly)).toEqual([[`docs-${run}`, 'apps/docs']]);

      const both = await push('m3', [
        'apps/web/index.js',
        'apps/docs/index.md',
      ]);
      expect(builds(both).sort()).toEqual([
        [`docs-${run}`, 'apps/docs'],
        [`web-${run}`, 'apps/web'],
      ]);
    });
  },
);
