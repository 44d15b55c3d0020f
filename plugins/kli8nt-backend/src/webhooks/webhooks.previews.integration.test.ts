import { describeWithTestEnv } from '../__testUtils__/testenv';
import { WEBHOOK_TEST_ENV, webhookWorld } from './__testUtils__/webhookWorld';

/*
 * Previews of pull requests through the real portal backend: opened,
 * updated and closed by GitHub webhooks, with the GitHub Deployments they
 * make, fork rules and the preview cap (webhookWorld).
 */

describeWithTestEnv(
  WEBHOOK_TEST_ENV,
  'pull request previews (the portal backend on the test world)',
  () => {
    jest.setTimeout(300_000);
    const world = webhookWorld();
    const {
      commit,
      webhook,
      deployments,
      until,
      sent,
      goLive,
      buildOf,
      statusOf,
      githubDeployments,
      lastState,
      slug,
      name,
      entityRef,
      run,
    } = world;

    /** A signed pull_request webhook of the app's repository against main. */
    const pullRequest = (
      pr: number,
      action: string,
      head: string,
      extra = ['--user', 'sam'],
    ) =>
      webhook([
        'pull_request',
        slug,
        '--number',
        String(pr),
        '--action',
        action,
        '--head',
        head,
        '--base',
        'main',
        ...extra,
      ]);

    it('a pull request gets a preview; an update redeploys it; closing it removes it and marks its GitHub Deployment inactive', async () => {
      const preview = `pr-5--${name}`;
      const head1 = await commit('feature', 'feature-1');
      const opened = await pullRequest(5, 'opened', 'feature');
      expect(opened.status).toBe(202);
      const build = await buildOf(preview, head1);
      expect(build.payload.config.env).toEqual({ GREETING: 'hello' });
      expect(Object.keys(build.payload.config.secretEnv)).toEqual([
        'API_TOKEN',
      ]);
      await goLive(build, '5');
      const [listed] = await until('the live preview', async () => {
        const { items } = await world.portal.api(
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
      await pullRequest(5, 'synchronize', 'feature');
      await goLive(await buildOf(preview, head2), '6');
      await statusOf(`component:default/pr-5.${name}`, head2, 'live');

      await pullRequest(5, 'closed', 'feature', ['--user', 'sam', '--merged']);
      await until('the delete', async () =>
        sent('DeleteRequested', m => m.payload.app === preview).length
          ? true
          : undefined,
      );
      const { items } = await world.portal.api(
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
      await pullRequest(6, 'opened', 'patch', [
        '--head-repo',
        fork,
        '--user',
        'mallory',
      ]);
      const build = await buildOf(`pr-6--${name}`, forkHead);
      expect(build.payload.config.secretEnv).toEqual({});
      expect(build.payload.config.env).toEqual({ GREETING: 'hello' });

      for (const n of [7, 8]) {
        const sha = await commit(`f${n}`, `f${n}`);
        await pullRequest(n, 'opened', `f${n}`);
        await buildOf(`pr-${n}--${name}`, sha);
      }
      // Limit 2: #8 stopped #6, the oldest.
      const { items } = await world.portal.api(
        'GET',
        `/api/kli8nt/apps/previews?entityRef=${entityRef}`,
      );
      expect(items.map((p: any) => p.pullRequest)).toEqual([8, 7]);
      expect(
        sent('DeleteRequested', m => m.payload.app === `pr-6--${name}`),
      ).toHaveLength(1);
    });
  },
);
