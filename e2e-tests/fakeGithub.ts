/*
 * GitHub's REST API as the portal sees it during browser tests: the one
 * thing the tests cannot reach. Answers for every repository with the
 * payloads of the backend's GitHub tests, on 127.0.0.1 only.
 */
import { createServer } from '@mswjs/http-middleware';
import { http, HttpResponse } from 'msw';
import * as fx from '../plugins/kli8nt-backend/src/__testUtils__/githubFixtures';

const port = Number(process.env.FAKE_GITHUB_PORT ?? 7099);
let nextDeploymentId = 1;

createServer(
  http.get('/repos/:owner/:repo', ({ params }) =>
    HttpResponse.json(fx.repository(String(params.repo))),
  ),
  http.get('/repos/:owner/:repo/branches', () =>
    HttpResponse.json([
      fx.branch('main', fx.SHA),
      fx.branch('feature', fx.OTHER_SHA),
    ]),
  ),
  http.get('/repos/:owner/:repo/commits/:ref', ({ params }) =>
    params.ref === 'feature'
      ? HttpResponse.json(fx.commit(fx.OTHER_SHA))
      : HttpResponse.json(fx.commit(fx.SHA)),
  ),
  http.post('/repos/:owner/:repo/deployments', async ({ request }) => {
    const body = (await request.json()) as { ref: string; environment: string };
    return HttpResponse.json(
      fx.deployment(nextDeploymentId++, body.ref, body.environment),
      { status: 201 },
    );
  }),
  http.post(
    '/repos/:owner/:repo/deployments/:id/statuses',
    async ({ request, params }) => {
      const body = (await request.json()) as { state: string };
      return HttpResponse.json(fx.deploymentStatus(Number(params.id), body), {
        status: 201,
      });
    },
  ),
).listen(port, '127.0.0.1', () => {
  process.stdout.write(`fake GitHub API on http://127.0.0.1:${port}\n`);
});
