import { ConfigReader } from '@backstage/config';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OctokitGithubGateway } from './GithubGateway';
import * as fx from '../__testUtils__/githubFixtures';

const API = 'https://api.github.com';
const repo = { host: 'github.com', owner: 'acme', name: 'shop' };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const gateway = OctokitGithubGateway.fromConfig(
  new ConfigReader({
    integrations: { github: [{ host: 'github.com', token: 'ghp_testtoken' }] },
  }),
);

describe('OctokitGithubGateway', () => {
  it('knows its configured hosts', () => {
    expect(gateway.isGithubHost('github.com')).toBe(true);
    expect(gateway.isGithubHost('gitlab.com')).toBe(false);
  });

  it('reads the repository with the configured token', async () => {
    let auth: string | null = null;
    server.use(
      http.get(`${API}/repos/acme/shop`, ({ request }) => {
        auth = request.headers.get('authorization');
        return HttpResponse.json(fx.repository('shop'));
      }),
    );
    expect(await gateway.getRepository(repo)).toEqual({
      defaultBranch: 'main',
      cloneUrl: 'https://github.com/acme/shop.git',
      private: false,
    });
    expect(auth).toBe('token ghp_testtoken');
  });

  it('says when GitHub cannot be reached at all', async () => {
    server.use(http.get(`${API}/repos/acme/shop`, () => HttpResponse.error()));
    await expect(gateway.getRepository(repo)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining(`GitHub could not be reached at ${API}`),
    });
  });

  it('maps a missing repository to NotFoundError', async () => {
    server.use(
      http.get(`${API}/repos/acme/shop`, () =>
        HttpResponse.json(fx.notFound, { status: 404 }),
      ),
    );
    await expect(gateway.getRepository(repo)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('reports GitHub failures as unavailable without request details', async () => {
    server.use(
      http.get(`${API}/repos/acme/shop`, () =>
        HttpResponse.json({ message: 'Server Error' }, { status: 502 }),
      ),
    );
    const error = await gateway.getRepository(repo).catch(e => e);
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: 'GitHub request failed (HTTP 502): Server Error',
    });
    expect(JSON.stringify(error)).not.toContain('ghp_testtoken');
  });

  it('lists branches across pages', async () => {
    const many = Array.from({ length: 100 }, (_, i) =>
      fx.branch(`b${i}`, fx.SHA),
    );
    server.use(
      http.get(`${API}/repos/acme/shop/branches`, ({ request }) => {
        const page = new URL(request.url).searchParams.get('page');
        return HttpResponse.json(
          page === '1' ? many : [fx.branch('main', fx.OTHER_SHA)],
        );
      }),
    );
    const branches = await gateway.listBranches(repo);
    expect(branches).toHaveLength(101);
    expect(branches[100]).toEqual({ name: 'main', commitSha: fx.OTHER_SHA });
  });

  it('resolves a ref to its commit', async () => {
    server.use(
      http.get(`${API}/repos/acme/shop/commits/:ref`, ({ params }) =>
        params.ref === 'main'
          ? HttpResponse.json(fx.commit(fx.SHA))
          : HttpResponse.json(fx.noCommit, { status: 422 }),
      ),
    );
    expect(await gateway.resolveCommit(repo, 'main')).toBe(fx.SHA);
    await expect(gateway.resolveCommit(repo, 'nope')).rejects.toMatchObject({
      name: 'InputError',
      message: "Ref 'nope' was not found in acme/shop",
    });
  });

  it('creates a deployment and its statuses', async () => {
    const requests: unknown[] = [];
    server.use(
      http.post(`${API}/repos/acme/shop/deployments`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        requests.push(body);
        return HttpResponse.json(
          fx.deployment(42, String(body.ref), String(body.environment)),
          { status: 201 },
        );
      }),
      http.post(
        `${API}/repos/acme/shop/deployments/42/statuses`,
        async ({ request }) => {
          const body = (await request.json()) as { state: string };
          requests.push(body);
          return HttpResponse.json(fx.deploymentStatus(42, body), {
            status: 201,
          });
        },
      ),
    );
    const id = await gateway.createDeployment(repo, {
      sha: fx.SHA,
      environment: 'kli8nt-default',
      description: 'Deploy main',
      deploymentId: 'd-1',
    });
    expect(id).toBe(42);
    await gateway.createDeploymentStatus(repo, 42, {
      state: 'success',
      environmentUrl: 'https://shop.apps.example.com',
      description: 'live',
    });
    expect(requests).toEqual([
      {
        ref: fx.SHA,
        environment: 'kli8nt-default',
        description: 'Deploy main',
        auto_merge: false,
        required_contexts: [],
        payload: { kli8ntDeploymentId: 'd-1' },
      },
      {
        state: 'success',
        environment_url: 'https://shop.apps.example.com',
        description: 'live',
      },
    ]);
  });

  it('refuses a deployment GitHub only merged', async () => {
    server.use(
      http.post(`${API}/repos/acme/shop/deployments`, () =>
        HttpResponse.json(
          { message: 'Auto-merged master into topic-branch on deployment.' },
          { status: 202 },
        ),
      ),
    );
    await expect(
      gateway.createDeployment(repo, {
        sha: fx.SHA,
        environment: 'e',
        description: 'd',
        deploymentId: 'x',
      }),
    ).rejects.toThrow('HTTP 202');
  });

  it('never hands out the personal access token as a clone token', async () => {
    expect(gateway.mintsCloneTokens('github.com')).toBe(false);
    expect(await gateway.cloneToken(repo)).toBeUndefined();
  });

  describe('as a GitHub App', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    const appGateway = OctokitGithubGateway.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: 'github.com',
              token: 'ghp_testtoken',
              apps: [
                {
                  appId: 42,
                  privateKey: privateKey.export({
                    type: 'pkcs8',
                    format: 'pem',
                  }) as string,
                  clientId: 'c',
                  clientSecret: 's',
                  webhookSecret: 'w',
                },
              ],
            },
          ],
        },
      }),
    );

    function verifiedIssuer(authorization: string | null): string {
      const [scheme, jwt] = (authorization ?? '').split(' ');
      expect(scheme.toLowerCase()).toBe('bearer');
      const [header, payload, signature] = jwt.split('.');
      expect(
        createVerify('RSA-SHA256')
          .update(`${header}.${payload}`)
          .verify(publicKey, signature, 'base64url'),
      ).toBe(true);
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(600);
      return claims.iss;
    }

    it('mints a fresh token for the one repository, contents: read, every time', async () => {
      const asked: unknown[] = [];
      let n = 0;
      server.use(
        http.get(`${API}/repos/acme/shop/installation`, ({ request }) => {
          expect(verifiedIssuer(request.headers.get('authorization'))).toBe(
            '42',
          );
          return HttpResponse.json({ id: 7 });
        }),
        http.post(
          `${API}/app/installations/7/access_tokens`,
          async ({ request }) => {
            verifiedIssuer(request.headers.get('authorization'));
            asked.push(await request.json());
            n++;
            return HttpResponse.json(
              { token: `ghs_scoped${n}`, expires_at: '2030-01-01T00:00:00Z' },
              { status: 201 },
            );
          },
        ),
      );
      expect(appGateway.mintsCloneTokens('github.com')).toBe(true);
      expect(await appGateway.cloneToken(repo)).toBe('ghs_scoped1');
      expect(await appGateway.cloneToken(repo)).toBe('ghs_scoped2');
      expect(asked).toEqual([
        { repositories: ['shop'], permissions: { contents: 'read' } },
        { repositories: ['shop'], permissions: { contents: 'read' } },
      ]);
    });

    it('gives no token (and never the PAT) when the App is not installed on the owner', async () => {
      server.use(
        http.get(`${API}/repos/acme/shop/installation`, () =>
          HttpResponse.json(fx.notFound, { status: 404 }),
        ),
      );
      expect(await appGateway.cloneToken(repo)).toBeUndefined();
    });

    it('says what failed when GitHub refuses the token', async () => {
      server.use(
        http.get(`${API}/repos/acme/shop/installation`, () =>
          HttpResponse.json({ id: 7 }),
        ),
        http.post(`${API}/app/installations/7/access_tokens`, () =>
          HttpResponse.json(
            { message: 'The permissions requested are not granted' },
            { status: 422 },
          ),
        ),
      );
      await expect(appGateway.cloneToken(repo)).rejects.toThrow(/GitHub/);
    });
  });
});
