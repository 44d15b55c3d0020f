import { mockServices } from '@backstage/backend-test-utils';
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
import { DnsServer, startDnsServer } from './__testUtils__/dnsServer';

/*
 * Custom domains through the real plugin, router and SQLite store, proven
 * against a real DNS server on 127.0.0.1: the allow-list refuses with the
 * key to change, a domain stays pending (and out of every request to the
 * cluster) until its TXT record is there, one app's verified domain is
 * refused for another (409 naming it), a caller without the configure
 * permission gets 403 with nothing written, and the periodic re-check
 * unroutes a domain whose record is gone.
 */

const SHOP = 'component:default/shop';
const BILLING = 'component:default/billing';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const entities = [
  componentEntity('shop', 'team-a'),
  componentEntity('billing', 'team-b'),
];

const github = createGithubServer();
let dns: DnsServer;
beforeAll(async () => {
  github.server.listen({ onUnhandledRequest });
  dns = await startDnsServer();
});
afterEach(() => {
  github.reset();
  dns.zone.clear();
});
afterAll(async () => {
  github.server.close();
  await dns.close();
});

const domainsConfig = () => ({
  allowedSuffixes: ['example.com'],
  owners: [{ owner: 'group:default/team-b', allowedSuffixes: ['team-b.io'] }],
  challengeSecret: 'test-challenge-secret',
  dnsServers: [dns.address],
  dnsTimeoutMs: 2000,
});

const start = (options: { knex?: Knex; deny?: boolean; domains?: object }) =>
  startPluginBackend({
    entities,
    kli8nt: { domains: options.domains ?? domainsConfig() },
    knex: options.knex,
    deny: options.deny,
  });

type Server = Awaited<ReturnType<typeof start>>['server'];

const saveDomains = (server: Server, entityRef: string, domains: string[]) =>
  request(server)
    .put('/api/kli8nt/apps/settings')
    .query({ entityRef })
    .send({ domains });
const verify = (server: Server, entityRef: string) =>
  request(server).post('/api/kli8nt/apps/domains/verify').query({ entityRef });

async function rows(knex: Knex) {
  return {
    apps: await knex('apps').select().orderBy('entity_ref'),
    claims: await knex('domain_claims').select().orderBy('domain'),
    deployments: await knex('deployments').select('id', 'status'),
    outbox: await knex('outbox').select('id'),
  };
}

/** Deploys the app and marks the deployment live, as if rolled out. */
async function liveApp(server: Server, knex: Knex, entityRef: string) {
  const res = await request(server)
    .post('/api/kli8nt/deployments')
    .send({ entityRef });
  expect(res.status).toBe(202);
  await knex('deployments')
    .where({ id: res.body.id })
    .update({
      status: 'live',
      image: `registry.local/app@${DIGEST}`,
      image_digest: DIGEST,
      rollout_sequence: 1,
    });
}

/** The custom domains of the last DeployRequested sent to the cluster. */
async function routedDomains(knex: Knex): Promise<string[]> {
  const [last] = await knex('outbox')
    .where('queue', 'like', 'deploy.%')
    .orderBy('id', 'desc')
    .limit(1);
  return JSON.parse(last.message).payload.config.domains;
}

describe('custom domains through the router', () => {
  it('refuses domains outside the allow-list with 400 naming the key, and writes nothing', async () => {
    const { server, knex } = await start({});
    const before = await rows(knex);
    const outside = await saveDomains(server, SHOP, ['shop.acme.io']);
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toBe(
      'Custom domain shop.acme.io not allowed: component:default/shop may use names under example.com (kli8nt.domains.allowedSuffixes or kli8nt.domains.owners)',
    );
    // team-b's own suffix is not shop's.
    expect((await saveDomains(server, SHOP, ['x.team-b.io'])).status).toBe(400);
    expect(await rows(knex)).toEqual(before);
    expect((await saveDomains(server, BILLING, ['x.team-b.io'])).status).toBe(
      200,
    );

    const off = await start({ domains: { challengeSecret: 's' } });
    const refused = await saveDomains(off.server, SHOP, ['shop.example.com']);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(
      'Custom domains are not enabled: kli8nt.domains.allowedSuffixes lists no suffix',
    );
    expect(await off.knex('apps').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('keeps a domain pending and unrouted until its TXT record is there, then routes it', async () => {
    const { server, knex } = await start({});
    await liveApp(server, knex, SHOP);

    const saved = await saveDomains(server, SHOP, ['shop.example.com']);
    expect(saved.status).toBe(200);
    const [state] = saved.body.domainStates;
    expect(state).toEqual({
      domain: 'shop.example.com',
      status: 'pending',
      record: {
        name: '_kli8nt-challenge.shop.example.com',
        type: 'TXT',
        value: expect.stringMatching(/^kli8nt-verification=/),
      },
    });
    // The save rolled the live app out again, without the pending domain.
    expect(saved.body.deployment.trigger).toBe('config');
    expect(await routedDomains(knex)).toEqual([]);

    const outboxBefore = await knex('outbox').count({ n: '*' });
    const missing = await verify(server, SHOP);
    expect(missing.status).toBe(200);
    expect(missing.body.items).toEqual([
      {
        ...state,
        reason:
          'No TXT record at _kli8nt-challenge.shop.example.com yet; add it (DNS changes can take minutes to appear)',
      },
    ]);
    expect(dns.queries).toContain('_kli8nt-challenge.shop.example.com');
    dns.zone.set(state.record.name, ['kli8nt-verification=wrong']);
    expect((await verify(server, SHOP)).body.items[0].reason).toContain(
      'do not include',
    );
    expect(await knex('outbox').count({ n: '*' })).toEqual(outboxBefore);
    expect(await knex('domain_claims').select()).toEqual([]);

    dns.zone.set(state.record.name, ['unrelated', state.record.value]);
    const verified = await verify(server, SHOP);
    expect(verified.status).toBe(200);
    expect(verified.body.items).toEqual([{ ...state, status: 'verified' }]);
    expect(verified.body.deployment.trigger).toBe('config');
    expect(await routedDomains(knex)).toEqual(['shop.example.com']);

    const read = await request(server)
      .get('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP });
    expect(read.body.domainStates).toEqual([{ ...state, status: 'verified' }]);
  });

  it('refuses a domain another app verified with 409 naming it, until that app drops it', async () => {
    const { server, knex } = await start({});
    // Both list it; each app has its own token, and both are in the zone.
    expect(
      (await saveDomains(server, BILLING, ['www.example.com'])).status,
    ).toBe(200);
    expect((await saveDomains(server, SHOP, ['www.example.com'])).status).toBe(
      200,
    );
    const records = async (entityRef: string) =>
      (
        await request(server)
          .get('/api/kli8nt/apps/settings')
          .query({ entityRef })
      ).body.domainStates[0].record;
    const shopRecord = await records(SHOP);
    const billingRecord = await records(BILLING);
    expect(billingRecord.value).not.toBe(shopRecord.value);
    dns.zone.set(shopRecord.name, [shopRecord.value, billingRecord.value]);

    expect((await verify(server, SHOP)).body.items[0].status).toBe('verified');
    const before = await rows(knex);
    const clash = await verify(server, BILLING);
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toBe(
      'www.example.com is already verified by component:default/shop (app shop); ask its owners to remove it from their settings first',
    );
    const save = await saveDomains(server, BILLING, [
      'www.example.com',
      'b.example.com',
    ]);
    expect(save.status).toBe(409);
    expect(save.body.error.message).toContain('component:default/shop');
    expect(await rows(knex)).toEqual(before);

    // shop drops it: billing may prove it now.
    expect((await saveDomains(server, SHOP, [])).status).toBe(200);
    expect((await verify(server, BILLING)).body.items[0].status).toBe(
      'verified',
    );
    expect(await knex('domain_claims').select('domain', 'entity_ref')).toEqual([
      { domain: 'www.example.com', entity_ref: BILLING },
    ]);
  });

  it('refuses a caller without the configure permission with 403 and writes nothing', async () => {
    const owner = await start({});
    expect(
      (await saveDomains(owner.server, SHOP, ['shop.example.com'])).status,
    ).toBe(200);
    const { record } = (await verify(owner.server, SHOP)).body.items[0];
    dns.zone.set(record.name, [record.value]);
    const before = await rows(owner.knex);

    const other = await start({ knex: owner.knex, deny: true });
    const refused = await verify(other.server, SHOP);
    expect(refused.status).toBe(403);
    expect(
      (await saveDomains(other.server, SHOP, ['a.example.com'])).status,
    ).toBe(403);
    expect(await rows(owner.knex)).toEqual(before);

    expect((await verify(owner.server, SHOP)).body.items[0].status).toBe(
      'verified',
    );
  });

  it('makes a verified domain pending again at the re-check once its record is gone, not while DNS fails', async () => {
    const tasks = new Map<string, () => Promise<void>>();
    const scheduler = mockServices.scheduler.mock({
      scheduleTask: async task => {
        tasks.set(task.id, task.fn as () => Promise<void>);
      },
    });
    const { server, knex } = await startPluginBackend({
      entities,
      kli8nt: { domains: domainsConfig() },
      features: [scheduler.factory],
    });
    await liveApp(server, knex, SHOP);
    const saved = await saveDomains(server, SHOP, ['shop.example.com']);
    const { record } = saved.body.domainStates[0];
    dns.zone.set(record.name, [record.value]);
    expect((await verify(server, SHOP)).body.items[0].status).toBe('verified');
    const recheck = tasks.get('kli8nt-domain-recheck')!;

    await recheck();
    dns.zone.set(record.name, 'servfail');
    await recheck();
    const before = await rows(knex);
    expect(before.claims).toHaveLength(1);
    expect(await routedDomains(knex)).toEqual(['shop.example.com']);

    dns.zone.delete(record.name);
    await recheck();
    expect(await knex('domain_claims').select()).toEqual([]);
    expect(await routedDomains(knex)).toEqual([]);
    expect((await rows(knex)).deployments).toHaveLength(
      before.deployments.length + 1,
    );
    const read = await request(server)
      .get('/api/kli8nt/apps/settings')
      .query({ entityRef: SHOP });
    expect(read.body.domainStates[0].status).toBe('pending');
  });
});
