import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { DatabaseKli8ntStore } from './DatabaseKli8ntStore';
import { AppRecord, DeploymentRecord } from './types';
import { pendingOutbox } from '../__testUtils__/outbox';
import { describeWithTestEnv } from '../__testUtils__/testenv';

const databases = TestDatabases.create({
  ids: ['POSTGRES_15', 'SQLITE_3'],
  disableDocker: true,
});

const migrationsDir = `${__dirname}/../../migrations`;

const app: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: {
    port: 8080,
    replicas: 1,
    domains: [],
    env: { MODE: 'prod' },
    secretEnv: { TOKEN: 'v1.abcd.iv.tag.ct' },
  },
  settingsVersion: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function deployment(
  id: string,
  createdAt: string,
  overrides: Partial<DeploymentRecord> = {},
): DeploymentRecord {
  return {
    id,
    entityRef: app.entityRef,
    appName: app.appName,
    cluster: 'default',
    trigger: 'manual',
    ref: 'main',
    commitSha: 'a'.repeat(40),
    repo: { host: 'github.com', owner: 'acme', name: 'shop' },
    requestedBy: 'user:default/alice',
    status: 'queued',
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

const uuid = (n: number) =>
  `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  return { knex, store };
}

describeWithTestEnv(
  ['BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING'],
  'PostgreSQL test database',
  () => {
    it('is available to the store tests', () => {
      expect(databases.supports('POSTGRES_15')).toBe(true);
    });
  },
);

describe.each(databases.eachSupportedId())('DatabaseKli8ntStore on %p', id => {
  it('migrates up and down', async () => {
    const knex: Knex = await databases.init(id);
    await knex.migrate.latest({ directory: migrationsDir });
    for (const table of [
      'apps',
      'deployments',
      'deployment_events',
      'outbox',
      'app_sequences',
    ]) {
      expect(await knex.schema.hasTable(table)).toBe(true);
    }
    await knex.migrate.rollback({ directory: migrationsDir }, true);
    for (const table of [
      'apps',
      'deployments',
      'deployment_events',
      'outbox',
      'app_sequences',
    ]) {
      expect(await knex.schema.hasTable(table)).toBe(false);
    }
  });

  it('writes a deployment, its app and outbox in one go', async () => {
    const { knex, store } = await createStore(id);
    const d = deployment(uuid(1), '2026-01-02T00:00:00.000Z');
    await store.createDeployment({
      deployment: d,
      app,
      outbox: [
        {
          queue: 'build.default',
          messageId: uuid(100),
          deploymentId: d.id,
          message: { type: 'BuildRequested', messageId: uuid(100) },
        },
      ],
    });

    expect(await store.getApp(app.entityRef)).toEqual({
      ...app,
      settings: {
        ...app.settings,
        healthCheckPath: undefined,
        resources: undefined,
      },
    });
    expect(await store.getAppByName('shop')).toMatchObject({
      entityRef: app.entityRef,
    });
    expect(await store.getDeployment(d.id)).toEqual({
      ...d,
      sourceDeploymentId: undefined,
      image: undefined,
      imageDigest: undefined,
      reason: undefined,
      message: undefined,
      url: undefined,
      githubDeploymentId: undefined,
      sequence: undefined,
      rolloutSequence: undefined,
      finishedAt: undefined,
    });
    expect(await pendingOutbox(knex)).toEqual([
      expect.objectContaining({
        queue: 'build.default',
        messageId: uuid(100),
        deploymentId: d.id,
        message: { type: 'BuildRequested', messageId: uuid(100) },
        attempts: 0,
      }),
    ]);
  });

  it('rolls the whole write back when one part fails', async () => {
    const { knex, store } = await createStore(id);
    const d = deployment(uuid(1), '2026-01-02T00:00:00.000Z');
    await store.createDeployment({ deployment: d, app, outbox: [] });
    // The driver's error may come from another realm than Jest's, where
    // toThrow does not recognise it; check the rejection by its message.
    const error = await store
      .createDeployment({
        deployment: deployment(uuid(2), '2026-01-02T00:00:00.000Z'),
        app,
        outbox: [
          { queue: 'q', messageId: uuid(7), message: {} },
          { queue: 'q', messageId: uuid(7), message: {} },
        ],
      })
      .then(
        () => undefined,
        e => e,
      );
    expect(String(error)).toMatch(/unique|duplicate/i);
    expect(await store.getDeployment(uuid(2))).toBeUndefined();
    expect(await pendingOutbox(knex)).toEqual([]);
  });

  it('pages the history newest first with a cursor', async () => {
    const { store } = await createStore(id);
    for (let i = 1; i <= 5; i++) {
      await store.createDeployment({
        // two deployments share a timestamp to exercise the id tie-break
        deployment: deployment(
          uuid(i),
          `2026-01-0${Math.min(i, 4)}T00:00:00.000Z`,
        ),
        app,
        outbox: [],
      });
    }
    const first = await store.listDeployments(app.entityRef, { limit: 2 });
    expect(first.items.map(d => d.id)).toEqual([uuid(5), uuid(4)]);
    const second = await store.listDeployments(app.entityRef, {
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items.map(d => d.id)).toEqual([uuid(3), uuid(2)]);
    const third = await store.listDeployments(app.entityRef, {
      limit: 2,
      cursor: second.nextCursor,
    });
    expect(third.items.map(d => d.id)).toEqual([uuid(1)]);
    expect(third.nextCursor).toBeUndefined();
    await expect(
      store.listDeployments(app.entityRef, { limit: 2, cursor: 'garbage' }),
    ).rejects.toThrow('Invalid cursor');
  });

  it('stores events idempotently and in order', async () => {
    const { store } = await createStore(id);
    const d = deployment(uuid(1), '2026-01-02T00:00:00.000Z');
    await store.createDeployment({ deployment: d, app, outbox: [] });
    const event = (n: number, status: 'building' | 'live', at: string) => ({
      messageId: uuid(10 + n),
      deploymentId: d.id,
      status,
      occurredAt: at,
      receivedAt: '2026-01-03T00:00:00.000Z',
      report: { n },
    });
    const record = (e: ReturnType<typeof event>) =>
      store.inApp('shop', tx => tx.recordEvent(e));
    expect(await record(event(2, 'live', '2026-01-02T00:02:00.000Z'))).toBe(
      true,
    );
    expect(await record(event(1, 'building', '2026-01-02T00:01:00.000Z'))).toBe(
      true,
    );
    expect(await record(event(1, 'building', '2026-01-02T00:01:00.000Z'))).toBe(
      false,
    );
    const events = await store.listEvents(d.id);
    expect(events.map(e => e.report)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(events[0]).toMatchObject({
      status: 'building',
      occurredAt: '2026-01-02T00:01:00.000Z',
    });
  });

  it('updates state, GitHub id and lists the active deployments', async () => {
    const { store } = await createStore(id);
    await store.createDeployment({
      deployment: deployment(uuid(1), '2026-01-02T00:00:00.000Z'),
      app,
      outbox: [],
    });
    await store.createDeployment({
      deployment: deployment(uuid(2), '2026-01-03T00:00:00.000Z'),
      app,
      outbox: [],
    });
    await store.createDeployment({
      deployment: deployment(uuid(3), '2026-01-03T00:00:00.000Z'),
      app,
      outbox: [],
    });
    const now = new Date('2026-01-04T00:00:00.000Z');
    await store.inApp('shop', async tx => {
      await tx.updateDeploymentState(
        uuid(1),
        {
          status: 'live',
          url: 'https://shop.example.com',
          imageDigest: 'sha256:1',
        },
        now,
      );
      await tx.updateDeploymentState(uuid(2), { status: 'failed' }, now);
      await tx.setRolloutSequence(uuid(1), 9007199254740991);
    });
    await store.setGithubDeploymentId(uuid(1), 1234567890123);
    expect(await store.getDeployment(uuid(1))).toMatchObject({
      status: 'live',
      url: 'https://shop.example.com',
      imageDigest: 'sha256:1',
      githubDeploymentId: 1234567890123,
      rolloutSequence: 9007199254740991,
      finishedAt: now.toISOString(),
    });
    const active = await store.inApp('shop', tx => tx.activeDeployments());
    expect(active.map(d => d.id).sort()).toEqual([uuid(1), uuid(3)]);
  });

  it('withdraws unsent messages of a deployment', async () => {
    const { knex, store } = await createStore(id);
    const d = deployment(uuid(1), '2026-01-02T00:00:00.000Z');
    await store.createDeployment({
      deployment: d,
      app,
      outbox: [
        {
          queue: 'build.default',
          messageId: uuid(3),
          deploymentId: d.id,
          message: {},
        },
      ],
    });
    expect(
      await store.inApp('shop', async tx => {
        const dropped = await tx.withdrawPending(d.id);
        await tx.enqueue([
          {
            queue: 'build.default',
            messageId: uuid(4),
            deploymentId: d.id,
            message: { cancel: true },
          },
        ]);
        return dropped;
      }),
    ).toBe(1);
    expect((await pendingOutbox(knex)).map(r => r.messageId)).toEqual([
      uuid(4),
    ]);
  });

  it('upserts settings and deletes an app with its history', async () => {
    const { knex, store } = await createStore(id);
    const d = deployment(uuid(1), '2026-01-02T00:00:00.000Z');
    await store.createDeployment({ deployment: d, app, outbox: [] });
    await store.inApp('shop', async tx => {
      await tx.recordEvent({
        messageId: uuid(9),
        deploymentId: d.id,
        status: 'building',
        occurredAt: '2026-01-02T00:00:00.000Z',
        receivedAt: '2026-01-02T00:00:00.000Z',
        report: {},
      });
      await tx.saveApp(
        {
          ...app,
          settings: {
            ...app.settings,
            port: 3000,
            healthCheckPath: '/healthz',
            resources: { cpu: '250m' },
          },
          settingsVersion: 4,
          updatedAt: '2026-02-01T00:00:00.000Z',
        },
        { replace: true },
      );
    });
    expect(await store.getApp(app.entityRef)).toMatchObject({
      createdAt: app.createdAt,
      updatedAt: '2026-02-01T00:00:00.000Z',
      settingsVersion: 4,
      settings: {
        port: 3000,
        healthCheckPath: '/healthz',
        resources: { cpu: '250m' },
      },
    });

    await store.inApp('shop', async tx => {
      await tx.deleteApp(app.entityRef);
      await tx.enqueue([
        {
          queue: 'deploy.default',
          messageId: uuid(20),
          message: { type: 'DeleteRequested' },
        },
      ]);
    });
    expect(await store.getApp(app.entityRef)).toBeUndefined();
    expect(await store.getDeployment(d.id)).toBeUndefined();
    expect(await store.listEvents(d.id)).toEqual([]);
    expect((await pendingOutbox(knex)).map(r => r.messageId)).toEqual([
      uuid(20),
    ]);
  });
});
