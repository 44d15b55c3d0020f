import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { http, HttpResponse } from 'msw';
import request from 'supertest';
import { kli8ntPlugin } from '../plugin';
import {
  createGithubServer,
  GITHUB_API,
  onUnhandledRequest,
} from '../__testUtils__/githubServer';
import * as fx from '../__testUtils__/githubFixtures';
import { checkRepositoryBinding, repoOfLocation } from './binding';
import {
  catalogFile as file,
  registeredComponent as component,
} from './__testUtils__/entities';

/*
 * Repository binding through the real plugin: who registered the entity
 * decides which repository it may deploy; a refusal is a 403 naming the
 * rule, and nothing is written or asked of GitHub.
 */

const isGithubHost = (host: string) => host === 'github.com';
const entities = [
  component('shop', { own: file('acme/shop'), origin: file('acme/shop') }),
  // Registered from the attacker's own repository, naming another one.
  component('stolen', { own: file('evil/x'), origin: file('evil/x') }),
  // Read from acme/shop itself, reached through a Location in evil/x.
  component('listed', { own: file('acme/shop'), origin: file('evil/x') }),
  component('central', {
    own: file('acme/catalog'),
    origin: file('acme/catalog'),
  }),
  component('configured', {
    own: 'file:/etc/backstage/entities.yaml',
    origin: 'file:/etc/backstage/entities.yaml',
  }),
  component('elsewhere', {
    own: 'url:https://example.com/catalog.yaml',
    origin: 'url:https://example.com/catalog.yaml',
  }),
  component(
    'secret',
    { own: file('acme/secret'), origin: file('acme/secret') },
    'acme/secret',
  ),
];

jest.setTimeout(60_000);

const github = createGithubServer();
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
beforeAll(() => github.server.listen({ onUnhandledRequest }));
afterEach(() => github.reset());
afterAll(() => github.server.close());

async function startBackend() {
  const knex = await databases.init('SQLITE_3');
  const { server } = await startTestBackend({
    features: [
      kli8ntPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            github: [{ host: 'github.com', token: 'ghp_configtoken' }],
          },
          kli8nt: {
            secretKey: Buffer.alloc(32, 7).toString('base64'),
            appsDomain: 'apps.example.com',
            github: {
              trustedOrigins: ['url:https://github.com/acme/catalog/'],
            },
          },
        },
      }),
    ],
  });
  const rows = async () => ({
    deployments: Number((await knex('deployments').count({ n: '*' }))[0].n),
    outbox: Number((await knex('outbox').count({ n: '*' }))[0].n),
  });
  return { server, rows };
}

describe('repository binding', () => {
  it.each(['shop', 'listed', 'central', 'configured'])(
    'deploys %s (catalog file in the repository, or a trusted origin)',
    async name => {
      const { server } = await startBackend();
      const res = await request(server)
        .post('/api/kli8nt/deployments')
        .send({ entityRef: `component:default/${name}` });
      expect(res.status).toBe(202);
    },
  );

  it.each([
    ['stolen', 'url:https://github.com/evil/x/blob/main/catalog-info.yaml'],
    ['elsewhere', 'url:https://example.com/catalog.yaml'],
  ])(
    'refuses %s with a 403 naming the rule, writing and asking nothing',
    async (name, from) => {
      const { server, rows } = await startBackend();
      const res = await request(server)
        .post('/api/kli8nt/deployments')
        .send({ entityRef: `component:default/${name}` });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe(
        `Repository binding: component:default/${name} was registered from ${from} and may deploy only the repository its catalog file is in, not acme/shop. Register it from a catalog-info.yaml in acme/shop, or have an admin list its origin in kli8nt.github.trustedOrigins.`,
      );
      const branches = await request(server).get(
        `/api/kli8nt/branches?entityRef=component:default/${name}`,
      );
      expect(branches.status).toBe(403);
      expect(await rows()).toEqual({ deployments: 0, outbox: 0 });
      expect(github.requests).toEqual([]);
    },
  );

  it('refuses a private repository without a GitHub App: no PAT is shipped', async () => {
    github.server.use(
      http.get(`${GITHUB_API}/repos/acme/secret`, () =>
        HttpResponse.json({ ...fx.repository('secret'), private: true }),
      ),
    );
    const { server, rows } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/secret' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'acme/secret is private, and builds get only a read-only GitHub App token for their one repository, never a personal access token: configure a GitHub App for github.com (integrations.github[].apps). Without them only public repositories build.',
    );
    expect(await rows()).toEqual({ deployments: 0, outbox: 0 });
  });
});

describe('checkRepositoryBinding', () => {
  const repo = { host: 'github.com', owner: 'acme', name: 'shop' };

  it('compares owner and name case-insensitively, and ignores .git', () => {
    const e = component('x', {
      own: 'url:https://github.com/ACME/Shop.git',
      origin: file('evil/x'),
    });
    expect(() =>
      checkRepositoryBinding(e, repo, { isGithubHost }),
    ).not.toThrow();
  });

  it('does not take a repository of another host for this one', () => {
    const e = component('x', {
      own: 'url:https://ghe.example.com/acme/shop/blob/main/c.yaml',
      origin: 'url:https://ghe.example.com/acme/shop/blob/main/c.yaml',
    });
    expect(() => checkRepositoryBinding(e, repo, { isGithubHost })).toThrow(
      /Repository binding/,
    );
  });

  it('reads the repository of url locations only', () => {
    expect(repoOfLocation(file('acme/shop'), isGithubHost)).toEqual(repo);
    expect(repoOfLocation('file:/x/y', isGithubHost)).toBeUndefined();
    expect(repoOfLocation('url:not a url', isGithubHost)).toBeUndefined();
    expect(
      repoOfLocation('url:https://github.com/acme', isGithubHost),
    ).toBeUndefined();
  });
});
