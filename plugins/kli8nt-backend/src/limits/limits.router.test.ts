import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import request from 'supertest';
import {
  createGithubServer,
  onUnhandledRequest,
} from '../__testUtils__/githubServer';
import {
  componentEntity,
  startPluginBackend,
} from '../__testUtils__/pluginBackend';

/*
 * The operator's limits (#17) through the real plugin, router and SQLite
 * store, GitHub answered by msw: an app's size × replicas is refused at
 * settings save and at deploy (422), builds beyond the per-app and
 * per-cluster caps are refused (429); each refusal names the config key and
 * writes nothing.
 */

const entities = [componentEntity('shop'), componentEntity('docs')];
const SHOP = 'component:default/shop';
const DOCS = 'component:default/docs';

const github = createGithubServer();

beforeAll(() => github.server.listen({ onUnhandledRequest }));
afterEach(() => github.reset());
afterAll(() => github.server.close());

async function startBackend(limits: JsonObject, knex?: Knex) {
  const { server, knex: db } = await startPluginBackend({
    entities,
    kli8nt: { limits },
    knex,
  });
  const rows = async () => ({
    deployments: await db('deployments').select('id', 'status'),
    outbox: await db('outbox').select('queue'),
    apps: await db('apps').select(),
  });
  return { server, knex: db, rows };
}

const deploy = (server: unknown, entityRef = SHOP) =>
  request(server as Parameters<typeof request>[0])
    .post('/api/kli8nt/deployments')
    .send({ entityRef });

describe('limits through the router', () => {
  it('refuses settings over the app size with 422, naming the key, and keeps the old ones', async () => {
    const { server, rows } = await startBackend({ app: { maxCpu: '4' } });
    const ok = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ replicas: 2, resources: { cpu: '2' } });
    expect(ok.status).toBe(200);
    const before = await rows();

    for (const body of [
      { replicas: 3 }, // 3 × 2 CPU
      { resources: { cpu: '2500m' } }, // 2 × 2.5 CPU
      { replicas: 5, resources: null }, // 5 × the default 1 CPU
    ]) {
      const res = await request(server)
        .put('/api/kli8nt/apps/settings')
        .query({ entityRef: SHOP })
        .send(body);
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain('kli8nt.limits.app.maxCpu');
      expect(res.body.error.message).toContain('more than the 4');
    }
    expect(await rows()).toEqual(before);

    const memory = await request(server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ replicas: 1, resources: { cpu: '1', memory: '17Gi' } });
    expect(memory.status).toBe(422);
    expect(memory.body.error.message).toContain('kli8nt.limits.app.maxMemory');
    expect(await rows()).toEqual(before);
  });

  it('refuses a deploy of an app that the operator made too big since (422), with nothing written', async () => {
    const roomy = await startBackend({ app: { maxCpu: '100' } });
    const saved = await request(roomy.server)
      .put('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP })
      .send({ replicas: 10 });
    expect(saved.status).toBe(200);

    const strict = await startBackend({ app: { maxCpu: '4' } }, roomy.knex);
    const before = await strict.rows();
    const res = await deploy(strict.server);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(
      /1 CPU × 10 replicas, more than the 4 an app may have \(kli8nt\.limits\.app\.maxCpu\)/,
    );
    expect(await strict.rows()).toEqual(before);
  });

  it('refuses a build beyond kli8nt.limits.builds.perApp with 429 until one ends', async () => {
    const { server, rows } = await startBackend({ builds: { perApp: 2 } });
    const first = await deploy(server);
    expect((await deploy(server)).status).toBe(202);
    expect(first.status).toBe(202);
    const before = await rows();

    const third = await deploy(server);
    expect(third.status).toBe(429);
    expect(third.body.error.message).toBe(
      'shop has 2 builds queued or running, as many as an app may have (kli8nt.limits.builds.perApp): wait for one to finish, or cancel one, and deploy again',
    );
    expect(await rows()).toEqual(before);

    // Another app is not held up by this one.
    expect((await deploy(server, DOCS)).status).toBe(202);

    const cancel = await request(server).post(
      `/api/kli8nt/deployments/${first.body.id}/cancel`,
    );
    expect(cancel.status).toBe(202);
    expect((await deploy(server)).status).toBe(202);
  });

  it('refuses a build beyond kli8nt.limits.builds.perCluster with 429, for any app', async () => {
    const { server, rows } = await startBackend({
      builds: { perApp: 5, perCluster: 2 },
    });
    expect((await deploy(server, SHOP)).status).toBe(202);
    expect((await deploy(server, DOCS)).status).toBe(202);
    const before = await rows();
    for (const entityRef of [SHOP, DOCS]) {
      const res = await deploy(server, entityRef);
      expect(res.status).toBe(429);
      expect(res.body.error.message).toContain(
        'Cluster default has 2 builds queued or running',
      );
      expect(res.body.error.message).toContain(
        'kli8nt.limits.builds.perCluster',
      );
    }
    expect(await rows()).toEqual(before);
  });
});
