import fs from 'node:fs';
import path from 'node:path';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import {
  digest,
  WEBHOOK_TEST_ENV,
  webhookWorld,
} from './__testUtils__/webhookWorld';

/*
 * Deploy on push through the real portal backend: GitHub webhooks from the
 * local GitHub's sender, signed, at the events backend's endpoint, on the
 * tracked branch and in a monorepo (webhookWorld).
 */

describeWithTestEnv(
  WEBHOOK_TEST_ENV,
  'deploy on push (the portal backend on the test world)',
  () => {
    jest.setTimeout(300_000);
    const world = webhookWorld({ monorepoApps: ['web', 'docs'] });
    const {
      commit,
      webhook,
      deployments,
      until,
      sent,
      report,
      goLive,
      buildOf,
      statusOf,
      seen,
      slug,
      name,
      entityRef,
      monoSlug,
      run,
    } = world;

    /** A signed push webhook of `repo` (the app's) on `branch`, by jane. */
    const pushHook = (
      branch: string,
      { repo = slug, extra = [] as string[] } = {},
    ) =>
      webhook(['push', repo, '--branch', branch, '--pusher', 'jane', ...extra]);

    it('a signed push to the tracked branch deploys its head, recorded as the push', async () => {
      expect(world.saved).toEqual({
        entityRef,
        app: name,
        autoDeployBranch: 'main',
        previews: { enabled: true, limit: 2, secrets: true },
      });
      const sha = await commit('main', 'v1');
      const delivery = await pushHook('main');
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
      expect((await pushHook('dev')).status).toBe(202);
      await new Promise(r => setTimeout(r, 1500));
      expect((await deployments()).length).toBe(before);
      expect(seen.length).toBe(builds);
      expect(world.portal.log()).toMatch(/pushed to dev, the app tracks main/);
    });

    it('an unsigned or wrongly signed webhook is refused and logged, nothing queued', async () => {
      const before = (await deployments()).length;
      const builds = seen.length;
      const sha = await commit('main', 'v2-unsigned');
      const wrong = path.join(world.portal.dir, 'wrong-secret');
      fs.writeFileSync(wrong, 'not-the-secret');
      const forged = await webhook(
        ['push', slug, '--branch', 'main', '--pusher', 'mallory'],
        wrong,
      );
      expect(forged).toMatchObject({ status: 403 });
      expect(JSON.parse(forged.body)).toEqual({ message: 'invalid signature' });
      const unsigned = await fetch(world.portal.webhookUrl, {
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
      expect(world.portal.log()).toMatch(
        /POST \/api\/events\/http\/github HTTP\/1\.1" 403/,
      );
    });

    it('three quick pushes: only the newest serves, a late older push deploys nothing', async () => {
      const shas: string[] = [];
      for (const v of ['v3a', 'v3b', 'v3c']) {
        shas.push(await commit('main', v));
        expect((await pushHook('main')).status).toBe(202);
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
      await pushHook('main', {
        extra: ['--before', shas[0], '--after', shas[1]],
      });
      expect((await deployments()).length).toBe(before);
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
            world.portal
              .api(
                'GET',
                `/api/catalog/entities/by-name/component/default/${app}`,
              )
              .catch(() => undefined),
          );
          await world.portal.api(
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
        const logged = world.portal.log().length;
        expect((await pushHook('main', { repo: monoSlug })).status).toBe(202);
        // Each entity of the repository is decided on, deployed or skipped
        // (logged); a deployed one's build is then on the queue.
        const decisions = await Promise.all(
          apps.map(app =>
            until(`the decision for ${app}`, async () => {
              const log = world.portal.log().slice(logged);
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
