import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { assertDomainsAllowed, ownersOf } from './allowList';
import { challengeRecord } from './challenge';
import { readDomainsConfig } from './config';

const entity = (owner: string, relations?: Entity['relations']): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'shop', namespace: 'default' },
  spec: { owner },
  relations,
});

const config = (domains: object) =>
  readDomainsConfig(new ConfigReader({ kli8nt: { domains } }));

describe('readDomainsConfig', () => {
  it('defaults to no custom domains at all', () => {
    expect(readDomainsConfig(new ConfigReader({}))).toEqual({
      allowedSuffixes: [],
      owners: [],
      dnsTimeoutMs: 5000,
      recheckIntervalMinutes: 60,
    });
  });

  it('normalizes suffixes and owners, and names the bad key', () => {
    expect(
      config({
        allowedSuffixes: ['.Apps.Example.com', '*.acme.io'],
        owners: [
          { owner: 'group:default/Team-A', allowedSuffixes: ['team-a.com'] },
        ],
        challengeSecret: 's',
        dnsServers: ['127.0.0.1:5353'],
      }),
    ).toEqual({
      allowedSuffixes: ['apps.example.com', 'acme.io'],
      owners: [
        { owner: 'group:default/team-a', allowedSuffixes: ['team-a.com'] },
      ],
      challengeSecret: 's',
      dnsServers: ['127.0.0.1:5353'],
      dnsTimeoutMs: 5000,
      recheckIntervalMinutes: 60,
    });
    expect(() => config({ allowedSuffixes: ['com'] })).toThrow(
      "Invalid config kli8nt.domains.allowedSuffixes: 'com' is not a DNS suffix",
    );
    expect(() =>
      config({
        owners: [{ owner: 'group:default/a', allowedSuffixes: ['a b'] }],
      }),
    ).toThrow('kli8nt.domains.owners[0].allowedSuffixes');
  });
});

describe('assertDomainsAllowed', () => {
  const allowed = config({
    allowedSuffixes: ['apps.example.com'],
    owners: [{ owner: 'group:default/team-a', allowedSuffixes: ['team-a.io'] }],
    challengeSecret: 's',
  });

  it('allows names under a global suffix, or under the owner group’s', () => {
    expect(() =>
      assertDomainsAllowed(allowed, entity('team-a'), [
        'shop.apps.example.com',
        'apps.example.com',
        'www.team-a.io',
      ]),
    ).not.toThrow();
    expect(() =>
      assertDomainsAllowed(allowed, entity('team-b'), ['www.team-a.io']),
    ).toThrow(
      'Custom domain www.team-a.io not allowed: component:default/shop may use names under apps.example.com (kli8nt.domains.allowedSuffixes or kli8nt.domains.owners)',
    );
  });

  it('matches whole labels only', () => {
    expect(() =>
      assertDomainsAllowed(allowed, entity('team-b'), ['evilapps.example.com']),
    ).toThrow(/^Custom domain evilapps\.example\.com not allowed/);
  });

  it('refuses every custom domain while the list is empty or no secret is set, naming the key', () => {
    expect(() =>
      assertDomainsAllowed(config({ challengeSecret: 's' }), entity('team-a'), [
        'a.example.com',
      ]),
    ).toThrow(
      'Custom domains are not enabled: kli8nt.domains.allowedSuffixes lists no suffix for component:default/shop',
    );
    expect(() =>
      assertDomainsAllowed(
        config({ allowedSuffixes: ['example.com'] }),
        entity('team-a'),
        ['a.example.com'],
      ),
    ).toThrow('kli8nt.domains.challengeSecret is not configured');
    expect(() =>
      assertDomainsAllowed(config({}), entity('team-a'), []),
    ).not.toThrow();
  });

  it('reads the owner from the catalog relations when present', () => {
    expect(
      ownersOf(
        entity('team-b', [
          { type: 'ownedBy', targetRef: 'group:default/team-a' },
        ]),
      ),
    ).toEqual(['group:default/team-a']);
    expect(ownersOf(entity('platform/ops'))).toEqual(['group:platform/ops']);
  });
});

describe('challengeRecord', () => {
  const shop = { entityRef: 'component:default/shop', appName: 'shop' };

  it('is stable for the app and domain and differs for anything else', () => {
    const record = challengeRecord('secret', shop, 'shop.example.com');
    expect(record).toEqual({
      name: '_kli8nt-challenge.shop.example.com',
      type: 'TXT',
      value: expect.stringMatching(/^kli8nt-verification=[\w-]{43}$/),
    });
    expect(challengeRecord('secret', shop, 'shop.example.com')).toEqual(record);
    for (const other of [
      challengeRecord('other secret', shop, 'shop.example.com'),
      challengeRecord('secret', shop, 'www.example.com'),
      challengeRecord(
        'secret',
        { ...shop, appName: 'shop-2' },
        'shop.example.com',
      ),
      challengeRecord(
        'secret',
        { ...shop, entityRef: 'api:default/shop' },
        'shop.example.com',
      ),
    ]) {
      expect(other.value).not.toBe(record.value);
    }
  });
});
