import { InputError } from '@backstage/errors';
import fc from 'fast-check';
import {
  APP_NAME_ANNOTATION,
  INFORM_QUEUE,
  LABELS,
  MANAGED_BY,
  appEnvSecretName,
  appHost,
  appNameFromEntity,
  appTlsSecretName,
  buildObjectName,
  buildQueueName,
  cloneSecretName,
  deployQueueName,
  deploymentSignalChannel,
  fnv1a32,
  kli8ntLabels,
  logTopicName,
  processKey,
  workerDeploymentName,
} from './naming';
import { appNameSchema } from './validation';

const ID = '3b241101-e2bb-4255-8caf-4136c566a963';
const HOSTILE = [
  '$(rm -rf /)',
  '"; DROP TABLE x',
  'a\nb',
  'a\u0000b',
  '../x',
  'ünï',
  '',
  'A',
  'a'.repeat(10_000),
];

describe('fnv1a32', () => {
  // Reference vectors of 32-bit FNV-1a.
  it.each([
    ['', '811c9dc5'],
    ['a', 'e40c292c'],
    ['foobar', 'bf9cf968'],
  ])('hashes %p to %s', (input, hash) => {
    expect(fnv1a32(input)).toBe(hash);
  });

  it('hashes UTF-8 bytes', () => {
    expect(fnv1a32('é')).not.toBe(fnv1a32('e'));
    expect(fnv1a32('名前')).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('appNameFromEntity', () => {
  it.each([
    [{ name: 'shop' }, 'shop'],
    [{ name: 'shop', namespace: 'default' }, 'shop'],
    [{ name: 'Shop' }, 'shop'],
    [{ name: 'SHOP', namespace: 'DEFAULT' }, 'shop'],
    [{ name: 'my-service-2' }, 'my-service-2'],
    [{ name: 'a'.repeat(63) }, 'a'.repeat(63)],
    [
      { name: 'x', annotations: { [APP_NAME_ANNOTATION]: 'custom-app' } },
      'custom-app',
    ],
    [
      {
        name: 'x',
        namespace: 'team',
        annotations: { [APP_NAME_ANNOTATION]: 'custom' },
      },
      'custom',
    ],
    [{ name: 'x', annotations: { other: 'y' } }, 'x'],
  ])('maps %j to %s', (entity, expected) => {
    expect(appNameFromEntity(entity)).toBe(expected);
  });

  it.each([
    [{ name: 'Foo_Bar' }, /^foo-bar-[0-9a-f]{8}$/],
    [{ name: 'foo.bar' }, /^foo-bar-[0-9a-f]{8}$/],
    [{ name: 'shop', namespace: 'team-a' }, /^team-a-shop-[0-9a-f]{8}$/],
    [{ name: '1password' }, /^app-1password-[0-9a-f]{8}$/],
    [{ name: '___' }, /^app-[0-9a-f]{8}$/],
    [{ name: 'a'.repeat(64) }, new RegExp(`^a{54}-[0-9a-f]{8}$`)],
    [
      { name: `${'a'.repeat(53)}-b-${'c'.repeat(20)}` },
      new RegExp(`^a{53}-[0-9a-f]{8}$`),
    ],
    [{ name: 'shop-' }, /^shop-[0-9a-f]{8}$/],
    [{ name: 'ünïcode' }, /^n-code-[0-9a-f]{8}$/],
  ])('maps %j to a hashed name', (entity, pattern) => {
    const app = appNameFromEntity(entity);
    expect(app).toMatch(pattern);
    expect(appNameSchema.safeParse(app).success).toBe(true);
  });

  it.each([
    [{ name: 'Foo_Bar' }, { name: 'foo.bar' }],
    [{ name: 'foo_bar' }, { name: 'foo-bar' }],
    [
      { name: 'b-c', namespace: 'a' },
      { name: 'c', namespace: 'a-b' },
    ],
    [{ name: 'shop', namespace: 'team' }, { name: 'team-shop' }],
    [{ name: `${'a'.repeat(70)}1` }, { name: `${'a'.repeat(70)}2` }],
    [
      { name: 'x', namespace: 'default' },
      { name: 'x', namespace: 'other' },
    ],
  ])('keeps %j and %j apart', (a, b) => {
    expect(appNameFromEntity(a)).not.toBe(appNameFromEntity(b));
  });

  it('is case-insensitive like the catalog', () => {
    expect(appNameFromEntity({ name: 'Foo_Bar', namespace: 'Team' })).toBe(
      appNameFromEntity({ name: 'foo_bar', namespace: 'team' }),
    );
  });

  it.each(HOSTILE.filter(v => v !== 'A'))(
    'rejects the annotation %p with a message naming it',
    value => {
      expect(() =>
        appNameFromEntity({
          name: 'x',
          annotations: { [APP_NAME_ANNOTATION]: value },
        }),
      ).toThrow(new RegExp(`^annotation ${APP_NAME_ANNOTATION}: `));
    },
  );

  it.each([
    [{ name: '' }, /^name: /],
    [{ name: 'a'.repeat(254) }, /^name: /],
    [{ name: 'a', namespace: 'n'.repeat(254) }, /^namespace: /],
    [{ name: 1 as unknown as string }, /^name: /],
  ])('rejects %j', (entity, message) => {
    expect(() => appNameFromEntity(entity)).toThrow(InputError);
    expect(() => appNameFromEntity(entity)).toThrow(message);
  });

  it('always yields a valid app name, deterministically', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 253, unit: 'grapheme' }),
        fc.option(fc.string({ maxLength: 63 }), { nil: undefined }),
        (name, namespace) => {
          const app = appNameFromEntity({ name, namespace });
          expect(appNameSchema.safeParse(app).success).toBe(true);
          expect(appNameFromEntity({ name, namespace })).toBe(app);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps different catalog-valid entities apart', () => {
    const part = fc.stringMatching(
      /^[A-Za-z0-9]{1,8}([-_.][A-Za-z0-9]{1,8}){0,3}$/,
    );
    fc.assert(
      fc.property(part, part, part, part, (n1, s1, n2, s2) => {
        const a = {
          name: n1,
          namespace: s1.toLowerCase().replace(/[_.]/g, '-'),
        };
        const b = {
          name: n2,
          namespace: s2.toLowerCase().replace(/[_.]/g, '-'),
        };
        const same =
          a.name.toLowerCase() === b.name.toLowerCase() &&
          a.namespace === b.namespace;
        fc.pre(!same);
        expect(appNameFromEntity(a)).not.toBe(appNameFromEntity(b));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('names', () => {
  it.each([
    [() => appHost('shop', 'apps.example.com'), 'shop.apps.example.com'],
    [() => appHost('shop', 'localhost'), 'shop.localhost'],
    [() => logTopicName('shop'), 'kli8nt.logs.shop'],
    [() => buildQueueName('local'), 'build.local'],
    [() => deployQueueName('prod-eu-1'), 'deploy.prod-eu-1'],
    [() => buildObjectName(ID), `build-${ID}`],
    [() => buildObjectName(ID.toUpperCase()), `build-${ID}`],
    [() => cloneSecretName(ID), `build-${ID}-clone`],
    [() => appEnvSecretName('shop'), 'shop-env'],
    [() => appTlsSecretName('shop'), 'shop-tls'],
    [() => processKey('my_worker_'), 'my-worker'],
    [() => workerDeploymentName('shop', 'api'), 'shop-api'],
    [() => workerDeploymentName('shop', 'my_worker'), 'shop-my-worker'],
    [() => INFORM_QUEUE, 'inform'],
    [
      () => deploymentSignalChannel('component:default/shop'),
      'kli8nt:deployment:component:default/shop',
    ],
  ])('%s', (fn, expected) => {
    expect(fn()).toBe(expected);
  });

  it('gives build objects names that fit a label value', () => {
    expect(buildObjectName(ID).length).toBeLessThanOrEqual(63);
    expect(cloneSecretName(ID).length).toBeLessThanOrEqual(63);
  });

  const appFns: [string, (v: string) => unknown][] = [
    ['appHost', v => appHost(v, 'example.com')],
    ['logTopicName', logTopicName],
    ['appEnvSecretName', appEnvSecretName],
    ['appTlsSecretName', appTlsSecretName],
  ];
  describe.each(appFns)('%s', (_n, fn) => {
    it.each(HOSTILE)('rejects the app %p naming the field', value => {
      expect(() => fn(value)).toThrow(/^app: /);
    });
  });

  describe.each([
    ['buildQueueName', buildQueueName],
    ['deployQueueName', deployQueueName],
  ])('%s', (_n, fn) => {
    it.each([...HOSTILE, 'a.b', '#', '*', 'a_b'])(
      'rejects the cluster %p naming the field',
      value => {
        expect(() => fn(value)).toThrow(/^cluster: /);
      },
    );
  });

  describe.each([
    ['buildObjectName', buildObjectName],
    ['cloneSecretName', cloneSecretName],
  ])('%s', (_n, fn) => {
    it.each([...HOSTILE, 'not-a-uuid', `${ID}/x`])(
      'rejects the id %p naming the field',
      value => {
        expect(() => fn(value)).toThrow(/^deploymentId: /);
      },
    );
  });

  it.each([
    'Example.com',
    '*.example.com',
    'example.com.',
    '$(rm -rf /)',
    'a\nb.com',
    '../x',
    '',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}`,
  ])('appHost rejects the domain %p naming the field', domain => {
    expect(() => appHost('shop', domain)).toThrow(/^appsDomain: /);
  });

  it('never lets two apps share an env or TLS secret name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
        (a, b) => {
          fc.pre(a !== b);
          const namesA = [appEnvSecretName(a), appTlsSecretName(a)];
          const namesB = [appEnvSecretName(b), appTlsSecretName(b)];
          expect(namesA.filter(n => namesB.includes(n))).toEqual([]);
        },
      ),
    );
  });
});

describe('labels', () => {
  it('labels a runtime object', () => {
    expect(kli8ntLabels({ app: 'shop', role: 'runtime' })).toEqual({
      'app.kubernetes.io/managed-by': 'kli8nt',
      'kli8nt.io/app': 'shop',
      'backstage.io/kubernetes-id': 'shop',
      'kli8nt.io/role': 'runtime',
    });
  });

  it('labels a build object with its deployment', () => {
    expect(
      kli8ntLabels({
        app: 'shop',
        role: 'build',
        deploymentId: ID.toUpperCase(),
      }),
    ).toEqual({
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.app]: 'shop',
      [LABELS.kubernetesId]: 'shop',
      [LABELS.role]: 'build',
      [LABELS.deployment]: ID,
    });
  });

  it.each([
    [{ app: 'Bad', role: 'build' }, /^app: /],
    [{ app: 'shop', role: 'other' }, /^role: /],
    [{ app: 'shop', role: 'build', deploymentId: 'x' }, /^deploymentId: /],
  ])('rejects %j', (options, message) => {
    expect(() => kli8ntLabels(options as any)).toThrow(message);
  });
});
