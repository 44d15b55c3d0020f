import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord } from '../database/types';
import { DEFAULT_SETTINGS } from '../service/settings';
import { DomainClaimStore } from './DomainClaimStore';

/*
 * The claims on the real schema: SQLite always, PostgreSQL with the test
 * world (as DatabaseKli8ntStore.test, which checks that it is there).
 */

const databases = TestDatabases.create({
  ids: ['POSTGRES_15', 'SQLITE_3'],
  disableDocker: true,
});

const appOf = (name: string, domains: string[]): AppRecord => ({
  entityRef: `component:default/${name}`,
  appName: name,
  cluster: 'default',
  settings: { ...DEFAULT_SETTINGS, domains },
  settingsVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

async function setUp(id: TestDatabaseId, apps: AppRecord[]) {
  const knex = await databases.init(id);
  const database = { getClient: async () => knex };
  const store = await DatabaseKli8ntStore.create({ database });
  for (const app of apps) {
    await store.inApp(app.appName, tx => tx.saveApp(app, { replace: true }));
  }
  const claims = await DomainClaimStore.create({ database, store });
  return { knex, store, claims };
}

const NOW = new Date('2026-01-02T00:00:00.000Z');

describe.each(databases.eachSupportedId())('DomainClaimStore on %p', id => {
  it('gives a domain to one app, refuses it to others while it lists it, then frees it', async () => {
    const shop = appOf('shop', ['www.example.com']);
    const docs = appOf('docs', ['www.example.com']);
    const { claims, store } = await setUp(id, [shop, docs]);

    await claims.claim(shop, 'www.example.com', NOW);
    await claims.claim(shop, 'www.example.com', NOW); // again: a no-op
    expect(await claims.heldBy(shop, ['www.example.com', 'x.com'])).toEqual(
      new Set(['www.example.com']),
    );
    expect(await claims.heldBy(docs, ['www.example.com'])).toEqual(new Set());
    await expect(claims.assertFree(docs, 'www.example.com')).rejects.toThrow(
      'www.example.com is already verified by component:default/shop (app shop)',
    );
    await expect(claims.claim(docs, 'www.example.com', NOW)).rejects.toThrow(
      expect.objectContaining({ name: 'ConflictError' }),
    );
    await expect(
      store.inApp('shop', tx => tx.claimedDomains(shop.entityRef)),
    ).resolves.toEqual(['www.example.com']);

    // shop drops the domain: docs may take it over.
    await store.inApp('shop', tx =>
      tx.saveApp(appOf('shop', []), { replace: true }),
    );
    await claims.assertFree(docs, 'www.example.com');
    await claims.claim(docs, 'www.example.com', NOW);
    expect(await claims.heldBy(docs, ['www.example.com'])).toEqual(
      new Set(['www.example.com']),
    );
    await expect(
      store.inApp('shop', tx => tx.claimedDomains(shop.entityRef)),
    ).resolves.toEqual([]);
  });

  it('lets only one of two apps claiming the same domain at once have it', async () => {
    const domains = Array.from({ length: 10 }, (_, i) => `d${i}.example.com`);
    const shop = appOf('shop', domains);
    const docs = appOf('docs', domains);
    const { claims, knex } = await setUp(id, [shop, docs]);
    for (const domain of domains) {
      const results = await Promise.allSettled([
        claims.claim(shop, domain, NOW),
        claims.claim(docs, domain, NOW),
      ]);
      expect(results.map(r => r.status).sort()).toEqual([
        'fulfilled',
        'rejected',
      ]);
    }
    const [{ n }] = await knex('domain_claims').count({ n: '*' });
    expect(Number(n)).toBe(domains.length);
  });

  it('drops the claims of a deleted app, and a new app of the same name does not inherit them', async () => {
    const shop = appOf('shop', ['shop.example.com']);
    const { claims, store } = await setUp(id, [shop]);
    await claims.claim(shop, 'shop.example.com', NOW);
    await store.inApp('shop', tx => tx.deleteApp(shop.entityRef));
    const reborn = { ...shop, entityRef: 'api:default/shop' };
    await store.inApp('shop', tx => tx.saveApp(reborn));
    expect(await claims.heldBy(reborn, ['shop.example.com'])).toEqual(
      new Set(),
    );
    expect(await claims.heldBy(shop, ['shop.example.com'])).toEqual(new Set());
  });
});
