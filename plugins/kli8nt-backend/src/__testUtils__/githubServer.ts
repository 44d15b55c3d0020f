import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import * as fx from './githubFixtures';

export const GITHUB_API = 'https://api.github.com';

export interface RecordedRequest {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * An msw server that answers like GitHub for the acme/shop repository and
 * records every request it gets.
 */
export function createGithubServer() {
  const requests: RecordedRequest[] = [];
  let nextDeploymentId = 1000;
  const record = async (request: Request) => {
    const url = new URL(request.url);
    const body =
      request.method === 'POST' ? await request.clone().json() : undefined;
    requests.push({ method: request.method, path: url.pathname, body });
  };
  const handlers = [
    http.get(`${GITHUB_API}/repos/acme/:repo`, async ({ request, params }) => {
      await record(request);
      return params.repo === 'shop'
        ? HttpResponse.json(fx.repository('shop'))
        : HttpResponse.json(fx.notFound, { status: 404 });
    }),
    http.get(`${GITHUB_API}/repos/acme/shop/branches`, async ({ request }) => {
      await record(request);
      return HttpResponse.json([
        fx.branch('feature', fx.OTHER_SHA),
        fx.branch('main', fx.SHA),
      ]);
    }),
    http.get(
      `${GITHUB_API}/repos/acme/shop/commits/:ref`,
      async ({ request, params }) => {
        await record(request);
        if (params.ref === 'main') return HttpResponse.json(fx.commit(fx.SHA));
        if (params.ref === 'feature') {
          return HttpResponse.json(fx.commit(fx.OTHER_SHA));
        }
        return HttpResponse.json(fx.noCommit, { status: 422 });
      },
    ),
    http.post(
      `${GITHUB_API}/repos/acme/shop/deployments`,
      async ({ request }) => {
        await record(request);
        const body = (await request.json()) as {
          ref: string;
          environment: string;
        };
        return HttpResponse.json(
          fx.deployment(nextDeploymentId++, body.ref, body.environment),
          { status: 201 },
        );
      },
    ),
    http.post(
      `${GITHUB_API}/repos/acme/shop/deployments/:id/statuses`,
      async ({ request, params }) => {
        await record(request);
        const body = (await request.json()) as { state: string };
        return HttpResponse.json(fx.deploymentStatus(Number(params.id), body), {
          status: 201,
        });
      },
    ),
  ];
  const server = setupServer(...handlers);
  return {
    server,
    requests,
    reset() {
      requests.length = 0;
      server.resetHandlers(...handlers);
    },
  };
}

/** Lets requests to local test servers through; anything else is an error. */
export function onUnhandledRequest(
  request: Request,
  print: { error(): void },
): void {
  const { hostname } = new URL(request.url);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') {
    print.error();
  }
}
