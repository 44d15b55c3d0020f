import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { Knex } from 'knex';
import request from 'supertest';
import { kli8ntPlugin } from './plugin';
import {
  createGithubServer,
  onUnhandledRequest,
} from './__testUtils__/githubServer';
import { SHA } from './__testUtils__/githubFixtures';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = `registry.local/shop@${DIGEST}`;
const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'shop',
      namespace: 'default',
      annotations: { 'github.com/project-slug': 'acme/shop' },
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  },
  ...(['./apps/web/', 'apps/../../etc'] as const).map(path => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: path.startsWith('.') ? 'web' : 'badpath',
      namespace: 'default',
      annotations: {
        'github.com/project-slug': 'acme/shop',
        'kli8nt.io/source-path': path,
      },
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  })),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'norepo', namespace: 'default' },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  },
];

const github = createGithubServer();
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

beforeAll(() => github.server.listen({ onUnhandledRequest }));
afterEach(() => github.reset());
afterAll(() => github.server.close());

async function startBackend(options: { deny?: boolean } = {}) {
  const knex: Knex = await databases.init('SQLITE_3');
  const auditEvents: Array<{ eventId: string; outcome?: string }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: jest.fn(async ({ eventId }) => {
      const event: { eventId: string; outcome?: string } = { eventId };
      auditEvents.push(event);
      return {
        success: async () => {
          event.outcome = 'success';
        },
        fail: async () => {
          event.outcome = 'fail';
        },
      };
    }),
  });
  const signals: unknown[] = [];
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
          kli8nt: { secretKey: SECRET_KEY, appsDomain: 'apps.example.com' },
        },
      }),
      auditor.factory,
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          publish: async (signal: unknown) => {
            signals.push(signal);
          },
        }),
      }),
      ...(options.deny
        ? [mockServices.permissions.factory({ result: AuthorizeResult.DENY })]
        : []),
    ],
  });
  const counts = async () => ({
    deployments: Number((await knex('deployments').count({ n: '*' }))[0].n),
    outbox: Number((await knex('outbox').count({ n: '*' }))[0].n),
    apps: Number((await knex('apps').count({ n: '*' }))[0].n),
  });
  return { server, knex, counts, auditEvents, signals };
}

const SHOP = 'component:default/shop';

describe('kli8nt backend', () => {
  it('answers health without credentials', async () => {
    const { server } = await startBackend();
    const res = await request(server)
      .get('/api/kli8nt/health')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('deploys the default branch: 202, one transaction, GitHub deployment', async () => {
    const { server, knex, counts, auditEvents, signals } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      entityRef: SHOP,
      app: 'shop',
      cluster: 'default',
      ref: 'main',
      commitSha: SHA,
      trigger: 'manual',
      requestedBy: mockCredentials.user().principal.userEntityRef,
      status: 'queued',
    });
    expect(await counts()).toEqual({ deployments: 1, outbox: 1, apps: 1 });

    const [row] = await knex('outbox');
    const message = JSON.parse(row.message);
    expect(row.queue).toBe('build.default');
    expect(message).toMatchObject({
      type: 'BuildRequested',
      deploymentId: res.body.id,
      payload: {
        app: 'shop',
        revision: SHA,
        ref: 'main',
        repo: {
          owner: 'acme',
          name: 'shop',
          cloneUrl: 'https://github.com/acme/shop.git',
        },
      },
    });
    // The clone token is minted by the relay at publish time, never stored.
    expect(row.message).not.toContain('ghp_configtoken');
    expect(message.payload.sealedCloneToken).toBeUndefined();

    expect(github.requests.map(r => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /repos/acme/shop',
        'GET /repos/acme/shop/commits/main',
        'POST /repos/acme/shop/deployments',
        'POST /repos/acme/shop/deployments/1000/statuses',
      ]),
    );
    expect(auditEvents).toEqual([
      { eventId: 'deployment-create', outcome: 'success' },
    ]);
    expect(signals).toEqual([
      expect.objectContaining({
        channel: `kli8nt:deployment:${SHOP}`,
        recipients: { type: 'broadcast' },
      }),
    ]);

    const list = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: SHOP });
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([
      res.body.id,
    ]);

    const one = await request(server).get(
      `/api/kli8nt/deployments/${res.body.id}`,
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: res.body.id, events: [] });
  });

  it('deploys a given ref', async () => {
    const { server } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP, ref: 'feature' });
    expect(res.status).toBe(202);
    expect(res.body.commitSha).toBe('c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc');
  });

  it('refuses unauthenticated callers and writes nothing', async () => {
    const { server, counts } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .set('Authorization', mockCredentials.none.header())
      .send({ entityRef: SHOP });
    expect(res.status).toBe(401);
    expect(await counts()).toEqual({ deployments: 0, outbox: 0, apps: 0 });
    expect(github.requests).toEqual([]);
  });

  it('refuses users without permission and writes nothing', async () => {
    const { server, counts, auditEvents } = await startBackend({ deny: true });
    const deploy = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    expect(deploy.status).toBe(403);
    const settings = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ port: 3000 });
    expect(settings.status).toBe(403);
    const list = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: SHOP });
    expect(list.status).toBe(403);
    const del = await request(server)
      .delete('/api/kli8nt/apps')
      .query({ entityRef: SHOP });
    expect(del.status).toBe(403);
    expect(await counts()).toEqual({ deployments: 0, outbox: 0, apps: 0 });
    expect(github.requests).toEqual([]);
    expect(auditEvents.map(e => e.outcome)).toEqual(['fail', 'fail', 'fail']);
  });

  it.each([
    [{}, /entityRef/],
    [{ entityRef: 'not a ref' }, /entityRef/],
    [{ entityRef: SHOP, ref: '--upload-pack=evil' }, /ref/],
    [{ entityRef: SHOP, repo: 'acme/other' }, /repo/],
  ])(
    'rejects the body %j with 400 and writes nothing',
    async (body, message) => {
      const { server, counts } = await startBackend();
      const res = await request(server)
        .post('/api/kli8nt/deployments')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
      expect(await counts()).toEqual({ deployments: 0, outbox: 0, apps: 0 });
      expect(github.requests).toEqual([]);
    },
  );

  it('rejects an unknown ref and an entity without repository', async () => {
    const { server, counts } = await startBackend();
    const unknownRef = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP, ref: 'nope' });
    expect(unknownRef.status).toBe(400);
    expect(unknownRef.body.error.message).toBe(
      "Ref 'nope' was not found in acme/shop",
    );
    const noRepo = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/norepo' });
    expect(noRepo.status).toBe(400);
    const missing = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/ghost' });
    expect(missing.status).toBe(404);
    expect(await counts()).toEqual({ deployments: 0, outbox: 0, apps: 0 });
  });

  it('builds a monorepo app from its kli8nt.io/source-path and shows it in History', async () => {
    const { server, knex } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/web' });
    expect(res.status).toBe(202);
    expect(res.body.sourcePath).toBe('apps/web');
    const [row] = await knex('outbox');
    expect(JSON.parse(row.message).payload.sourcePath).toBe('apps/web');
    const list = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: 'component:default/web' });
    expect(list.body.items[0].sourcePath).toBe('apps/web');

    // The repository root is the default: no field at all in BUILD.
    await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP })
      .expect(202);
    const [, shop] = await knex('outbox').orderBy('id');
    expect(JSON.parse(shop.message).payload).not.toHaveProperty('sourcePath');
  });

  it('refuses a source path outside the repository, naming the annotation, and writes nothing', async () => {
    const { server, counts } = await startBackend();
    const res = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: 'component:default/badpath' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(
      'annotation kli8nt.io/source-path "apps/../../etc": must not contain ..',
    );
    expect(await counts()).toEqual({ deployments: 0, outbox: 0, apps: 0 });
  });

  it('keeps secret values write-only and sealed at rest', async () => {
    const { server, knex, auditEvents } = await startBackend();
    const put = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({
        port: 3000,
        replicas: 2,
        healthCheckPath: '/healthz',
        env: { MODE: 'production' },
        secretEnv: { API_TOKEN: 's3cr3t-value' },
      });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      entityRef: SHOP,
      app: 'shop',
      port: 3000,
      replicas: 2,
      healthCheckPath: '/healthz',
      domains: [],
      domainStates: [],
      env: { MODE: 'production' },
      secretEnvNames: ['API_TOKEN'],
      updatedAt: expect.any(String),
      version: 1,
    });
    const get = await request(server)
      .get('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP });
    expect(JSON.stringify(get.body)).not.toContain('s3cr3t');
    const [row] = await knex('apps');
    expect(row.secret_env).not.toContain('s3cr3t');
    expect(JSON.parse(row.secret_env).API_TOKEN).toMatch(/^v1\./);
    expect(auditEvents).toEqual([
      { eventId: 'app-configure', outcome: 'success' },
    ]);

    const conflict = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ env: { API_TOKEN: 'plain' } });
    expect(conflict.status).toBe(400);

    const removed = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ secretEnv: { API_TOKEN: null }, healthCheckPath: null });
    expect(removed.body.secretEnvNames).toEqual([]);
    expect(removed.body.healthCheckPath).toBeUndefined();
  });

  it('returns default settings for an app never deployed', async () => {
    const { server } = await startBackend();
    const res = await request(server)
      .get('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entityRef: SHOP,
      app: 'shop',
      port: 8080,
      replicas: 1,
      domains: [],
      domainStates: [],
      env: {},
      secretEnvNames: [],
      version: 0,
    });
  });

  it('refuses a settings save over a newer one with 409, and checks nothing without a version', async () => {
    const { server, knex } = await startBackend();
    const save = (body: object) =>
      request(server)
        .put('/api/kli8nt/apps/settings')
        .query({ entityRef: SHOP })
        .send(body);
    const first = await save({ version: 0, replicas: 2 });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    // Someone else saved version 1 meanwhile.
    const stale = await save({ version: 0, replicas: 5 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(
      /saved by someone else meanwhile \(version 1, yours is 0\); reload/,
    );
    expect((await knex('apps').first()).replicas).toBe(2);
    const current = await save({ version: 1, replicas: 4 });
    expect(current.body).toMatchObject({ replicas: 4, version: 2 });
    const unversioned = await save({ port: 3000 });
    expect(unversioned.body).toMatchObject({
      replicas: 4,
      port: 3000,
      version: 3,
    });
  });

  it('cancels a deployment that has not left the outbox', async () => {
    const { server, knex } = await startBackend();
    const deployed = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    // The relay may already have sent the build request; make sure it has
    // not, so the cancel takes the withdraw path deterministically.
    await knex('outbox').update({ sent_at: null });
    const res = await request(server).post(
      `/api/kli8nt/deployments/${deployed.body.id}/cancel`,
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled',
      failureMessage: `Cancelled by ${
        mockCredentials.user().principal.userEntityRef
      }`,
    });
    // The build request was withdrawn; only the cancel request remains.
    const rows = await knex('outbox');
    expect(rows.map(r => JSON.parse(r.message).type)).toEqual([
      'CancelRequested',
    ]);
    const again = await request(server).post(
      `/api/kli8nt/deployments/${deployed.body.id}/cancel`,
    );
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already cancelled/);
  });

  it('refuses to cancel a deployment whose rollout was sent, saying why', async () => {
    const { server, knex } = await startBackend();
    const first = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    await knex('deployments').where({ id: first.body.id }).update({
      status: 'live',
      image: IMAGE,
      image_digest: DIGEST,
      rollout_sequence: 2,
    });
    const live = await request(server).post(
      `/api/kli8nt/deployments/${first.body.id}/cancel`,
    );
    expect(live.status).toBe(409);
    expect(live.body.error.message).toMatch(
      /cannot be cancelled: it is already live; to change what runs, deploy again or roll back/,
    );
    const rollback = await request(server)
      .post(`/api/kli8nt/deployments/${first.body.id}/rollback`)
      .send({});
    const sent = await request(server).post(
      `/api/kli8nt/deployments/${rollback.body.id}/cancel`,
    );
    expect(sent.status).toBe(409);
    expect(sent.body.error.message).toMatch(
      /rollout was already sent to the cluster/,
    );
  });

  it('refuses to redeploy a deployment without image', async () => {
    const { server } = await startBackend();
    const deployed = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    const res = await request(server)
      .post(`/api/kli8nt/deployments/${deployed.body.id}/redeploy`)
      .send({});
    expect(res.status).toBe(409);
    const unknown = await request(server)
      .post(
        '/api/kli8nt/deployments/00000000-0000-4000-8000-000000000000/redeploy',
      )
      .send({});
    expect(unknown.status).toBe(404);
    const invalid = await request(server)
      .post('/api/kli8nt/deployments/nope/redeploy')
      .send({});
    expect(invalid.status).toBe(400);
  });

  it('rolls back to an earlier image without a build', async () => {
    const { server, knex } = await startBackend();
    const first = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    await knex('deployments').where({ id: first.body.id }).update({
      status: 'live',
      image: IMAGE,
      image_digest: DIGEST,
    });
    const res = await request(server)
      .post(`/api/kli8nt/deployments/${first.body.id}/redeploy`)
      .send({ reason: 'rollback' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      trigger: 'rollback',
      status: 'queued',
      imageDigest: DIGEST,
      commitSha: SHA,
    });
    const row = await knex('outbox')
      .where({ deployment_id: res.body.id })
      .first();
    expect(row.queue).toBe('deploy.default');
    expect(JSON.parse(row.message)).toMatchObject({
      type: 'DeployRequested',
      payload: { reason: 'rollback', imageDigest: DIGEST },
    });
  });

  it('rolls a live app out again when its settings change', async () => {
    const { server, knex } = await startBackend();
    const first = await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    await knex('deployments').where({ id: first.body.id }).update({
      status: 'live',
      image: IMAGE,
      image_digest: DIGEST,
      rollout_sequence: 1,
    });
    const res = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ replicas: 3 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      replicas: 3,
      deployment: { trigger: 'config', status: 'queued', imageDigest: DIGEST },
    });
    const row = await knex('outbox')
      .where({ deployment_id: res.body.deployment.id })
      .first();
    expect(JSON.parse(row.message)).toMatchObject({
      type: 'DeployRequested',
      payload: { reason: 'config', config: { replicas: 3 }, sequence: 2 },
    });
  });

  it('lists branches with the default first', async () => {
    const { server } = await startBackend();
    const res = await request(server)
      .get('/api/kli8nt/branches')
      .query({ entityRef: SHOP });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { name: 'main', commitSha: SHA, isDefault: true },
      {
        name: 'feature',
        commitSha: 'c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc',
        isDefault: false,
      },
    ]);
  });

  it('deletes an app with its history', async () => {
    const { server, counts } = await startBackend();
    await request(server)
      .post('/api/kli8nt/deployments')
      .send({ entityRef: SHOP });
    const res = await request(server)
      .delete('/api/kli8nt/apps')
      .query({ entityRef: SHOP });
    expect(res.status).toBe(204);
    expect(await counts()).toMatchObject({ deployments: 0, apps: 0 });
    const again = await request(server)
      .delete('/api/kli8nt/apps')
      .query({ entityRef: SHOP });
    expect(again.status).toBe(404);
  });

  it('pages the history', async () => {
    const { server } = await startBackend();
    for (let i = 0; i < 3; i++) {
      await request(server)
        .post('/api/kli8nt/deployments')
        .send({ entityRef: SHOP });
    }
    const first = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: SHOP, limit: 2 });
    expect(first.body.items).toHaveLength(2);
    const second = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: SHOP, limit: 2, cursor: first.body.nextCursor });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    const bad = await request(server)
      .get('/api/kli8nt/deployments')
      .query({ entityRef: SHOP, limit: 1000 });
    expect(bad.status).toBe(400);
  });
});
