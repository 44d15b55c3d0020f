import {
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EventsService, eventsServiceRef } from '@backstage/plugin-events-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import request from 'supertest';
import { kli8ntPlugin } from '../plugin';
import {
  createGithubServer,
  onUnhandledRequest,
} from '../__testUtils__/githubServer';
import * as fx from '../__testUtils__/githubFixtures';
import {
  catalogFile as file,
  registeredComponent as component,
} from '../github/__testUtils__/entities';
import { GITHUB_TOPICS } from './WebhookSubscriber';

/*
 * Git-driven deploys through the real plugin (SQLite, GitHub answered by
 * msw): webhook payloads are published on the backend's events service as
 * the events backend's GitHub module does after checking the signature.
 * The test world's suites (webhooks.push and webhooks.previews
 * .integration.test.ts) run the same flows through the portal process and
 * real brokers.
 */

const CATALOG = 'url:https://github.com/acme/catalog/';
const registered = (name: string, repo: string) =>
  component(name, { own: file(repo), origin: file(repo) });
const entities = [
  registered('shop', 'acme/shop'),
  // Bound only through kli8nt.github.trustedOrigins.
  registered('central', 'acme/catalog'),
  // Registered from another repository, naming acme/shop.
  registered('stolen', 'evil/x'),
];

jest.setTimeout(60_000);

const github = createGithubServer();
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
beforeAll(() => github.server.listen({ onUnhandledRequest }));
afterEach(() => github.reset());
afterAll(() => github.server.close());

async function startBackend(
  options: {
    knex?: Knex;
    trustedOrigins?: string[];
    limits?: JsonObject;
  } = {},
) {
  const knex = options.knex ?? (await databases.init('SQLITE_3'));
  let events: EventsService | undefined;
  const { server } = await startTestBackend({
    features: [
      kli8ntPlugin,
      // The events service the plugin subscribes with, to publish on.
      createBackendModule({
        pluginId: 'kli8nt',
        moduleId: 'test-webhooks',
        register(env) {
          env.registerInit({
            deps: { e: eventsServiceRef },
            async init({ e }) {
              events = e;
            },
          });
        },
      }),
      catalogServiceMock.factory({ entities }),
      mockServices.database.factory({ knex }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      mockServices.rootConfig.factory({
        data: {
          events: { useEventBus: 'never' },
          integrations: {
            github: [{ host: 'github.com', token: 'ghp_configtoken' }],
          },
          kli8nt: {
            secretKey: Buffer.alloc(32, 7).toString('base64'),
            appsDomain: 'apps.example.com',
            domains: { allowedSuffixes: ['example.com'], challengeSecret: 's' },
            github: { trustedOrigins: options.trustedOrigins ?? [CATALOG] },
            ...(options.limits ? { limits: options.limits } : {}),
          },
        },
      }),
    ],
  });
  const api = (method: 'get' | 'put', path: string, ref: string) =>
    request(server)
      [method](`/api/kli8nt${path}`)
      .query({ entityRef: `component:default/${ref}` });
  const publish = (topic: string, eventPayload: unknown) =>
    events!.publish({ topic, eventPayload });
  const deployments = async () =>
    knex('deployments')
      .select('entity_ref', 'trigger', 'commit_sha', 'requested_by')
      .orderBy('created_at');
  return { server, knex, api, publish, deployments };
}

const repository = {
  name: 'shop',
  owner: { login: 'acme' },
  html_url: 'https://github.com/acme/shop',
  default_branch: 'main',
};

/** A push of fx.SHA, the head of main as the msw GitHub answers it. */
const pushOfMain = {
  ref: 'refs/heads/main',
  before: fx.OTHER_SHA,
  after: fx.SHA,
  compare: 'https://github.com/acme/shop/compare/c5b97d5...6dcb09b',
  pusher: { name: 'jane', email: 'jane@example.com' },
  repository,
  commits: [{ id: fx.SHA, added: [], removed: [], modified: ['a.ts'] }],
};

function pullRequest(action: string, sha: string, number = 7) {
  return {
    action,
    number,
    pull_request: {
      html_url: `https://github.com/acme/shop/pull/${number}`,
      user: { login: 'sam' },
      head: {
        ref: 'feature',
        sha,
        repo: { full_name: 'acme/shop', fork: false },
      },
      base: { ref: 'main', repo: { full_name: 'acme/shop' } },
    },
    repository,
  };
}

describe('repository binding of git-driven deploys (#17)', () => {
  it('saves the git settings of a trusted-origin entity, and its push deploys', async () => {
    const { api, publish, deployments } = await startBackend();
    const saved = await api('put', '/apps/git-settings', 'central').send({
      autoDeployBranch: 'main',
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ autoDeployBranch: 'main' });

    await publish(GITHUB_TOPICS.push, pushOfMain);
    expect(await deployments()).toEqual([
      {
        entity_ref: 'component:default/central',
        trigger: 'push',
        commit_sha: fx.SHA,
        requested_by: 'github:jane',
      },
    ]);
  });

  it('refuses an untrusted entity with the 403 of deploys, saving nothing', async () => {
    const { server, knex, api } = await startBackend();
    const deploy = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/stolen' });
    const saved = await api('put', '/apps/git-settings', 'stolen').send({
      autoDeployBranch: 'main',
    });
    expect(saved.status).toBe(403);
    expect(deploy.status).toBe(403);
    expect(saved.body.error.message).toBe(deploy.body.error.message);
    expect(saved.body.error.message).toBe(
      `Repository binding: component:default/stolen was registered from ${file(
        'evil/x',
      )} and may deploy only the repository its catalog file is in, not acme/shop. Register it from a catalog-info.yaml in acme/shop, or have an admin list its origin in kli8nt.github.trustedOrigins.`,
    );
    expect(await knex('app_git_settings').count({ n: '*' })).toEqual([
      { n: 0 },
    ]);
    expect(await knex('apps').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('re-checks at the webhook: an origin no longer trusted deploys nothing', async () => {
    const first = await startBackend();
    expect(
      (
        await first
          .api('put', '/apps/git-settings', 'central')
          .send({ autoDeployBranch: 'main' })
      ).status,
    ).toBe(200);
    // The operator removes the origin from kli8nt.github.trustedOrigins.
    const { publish, deployments } = await startBackend({
      knex: first.knex,
      trustedOrigins: [],
    });
    await publish(GITHUB_TOPICS.push, pushOfMain);
    expect(await deployments()).toEqual([]);
  });
});

describe('previews follow their parent (#20)', () => {
  it('an updated or reopened pull request takes the parent app’s current settings', async () => {
    const { knex, api, publish } = await startBackend();
    const preview = 'pr-7--shop';
    const previewRef = 'component:default/pr-7.shop';
    const settingsOf = async (entityRef: string) => {
      const row = await knex('apps').where({ entity_ref: entityRef }).first();
      return {
        replicas: row.replicas,
        domains: JSON.parse(row.domains),
        env: JSON.parse(row.env),
        secrets: Object.keys(JSON.parse(row.secret_env)),
      };
    };
    const built = async () =>
      (await knex('outbox').orderBy('id'))
        .map(row => JSON.parse(row.message))
        .filter(m => m.type === 'BuildRequested' && m.payload.app === preview)
        .map(m => m.payload.config.env);

    const configure = (body: object) =>
      api('put', '/apps/settings', 'shop').send(body);
    expect((await configure({ env: { A: '1' }, replicas: 2 })).status).toBe(
      200,
    );
    expect(
      (
        await configure({
          domains: ['shop.example.com'],
          secretEnv: { TOKEN: 's3cret' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api('put', '/apps/git-settings', 'shop').send({
          previews: { enabled: true, secrets: true },
        })
      ).status,
    ).toBe(200);

    await publish(GITHUB_TOPICS.pullRequest, pullRequest('opened', fx.SHA));
    expect(await settingsOf(previewRef)).toEqual({
      replicas: 2,
      domains: [],
      env: { A: '1' },
      secrets: ['TOKEN'],
    });

    // The parent changes; previews stop getting secrets.
    expect(
      (await configure({ env: { A: '2', B: '3' }, replicas: 3 })).status,
    ).toBe(200);
    expect(
      (
        await api('put', '/apps/git-settings', 'shop').send({
          previews: { secrets: false },
        })
      ).status,
    ).toBe(200);
    await publish(
      GITHUB_TOPICS.pullRequest,
      pullRequest('synchronize', fx.OTHER_SHA),
    );
    const updated = {
      replicas: 3,
      domains: [],
      env: { A: '2', B: '3' },
      secrets: [],
    };
    expect(await settingsOf(previewRef)).toEqual(updated);
    expect(await built()).toEqual([{ A: '1' }, { A: '2', B: '3' }]);

    await publish(GITHUB_TOPICS.pullRequest, pullRequest('closed', fx.SHA));
    expect(await knex('apps').where({ app_name: preview })).toEqual([]);
    await configure({ env: { A: '4' } });
    await publish(GITHUB_TOPICS.pullRequest, pullRequest('reopened', fx.SHA));
    expect(await settingsOf(previewRef)).toEqual({
      ...updated,
      env: { A: '4' },
    });
    // The parent keeps its own domains and secrets.
    expect(await settingsOf('component:default/shop')).toMatchObject({
      domains: ['shop.example.com'],
      secrets: ['TOKEN'],
    });
  });
});

describe('limits and git-driven deploys (#17, #20)', () => {
  it('a push deploys every entity of the repository that is under its caps', async () => {
    const { server, api, publish, deployments } = await startBackend({
      limits: { builds: { perApp: 1 } },
    });
    for (const ref of ['central', 'shop']) {
      const saved = await api('put', '/apps/git-settings', ref).send({
        autoDeployBranch: 'main',
      });
      expect(saved.status).toBe(200);
    }
    // central (the first of the repository's entities) is at its cap.
    const manual = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/central' });
    expect(manual.status).toBe(202);

    await publish(GITHUB_TOPICS.push, pushOfMain);
    expect((await deployments()).map(d => [d.entity_ref, d.trigger])).toEqual([
      ['component:default/central', 'manual'],
      ['component:default/shop', 'push'],
    ]);
  });

  it('a preview refused by a cap leaves the existing previews running', async () => {
    const roomy = await startBackend({ limits: { app: { maxCpu: '100' } } });
    const configure = (path: string, body: object) =>
      roomy.api('put', path, 'shop').send(body);
    expect((await configure('/apps/settings', { replicas: 10 })).status).toBe(
      200,
    );
    expect(
      (
        await configure('/apps/git-settings', {
          previews: { enabled: true, limit: 1 },
        })
      ).status,
    ).toBe(200);
    await roomy.publish(
      GITHUB_TOPICS.pullRequest,
      pullRequest('opened', fx.SHA, 7),
    );
    const { knex } = roomy;
    const previews = async () => ({
      apps: (await knex('apps').orderBy('app_name')).map(a => a.app_name),
      previews: (await knex('previews')).map(p => p.pr_number),
    });
    expect(await previews()).toEqual({
      apps: ['pr-7--shop', 'shop'],
      previews: [7],
    });

    // The operator lowers the cap: #8 (which would replace #7, one preview
    // at most) takes the parent's 10 replicas and is refused (422).
    const strict = await startBackend({
      knex,
      limits: { app: { maxCpu: '4' } },
    });
    await strict.publish(
      GITHUB_TOPICS.pullRequest,
      pullRequest('opened', fx.SHA, 8),
    );
    expect(await previews()).toEqual({
      apps: ['pr-7--shop', 'shop'],
      previews: [7],
    });
  });
});
