import { TestDatabases } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { AppRecord } from '../database/types';
import { AppDirectory } from '../service/apps';
import { builtReport, startSqliteLedger } from '../__testUtils__/ledger';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';

/*
 * A worker runs as Deployment `<app>-<process>` (#21): `shop` with a worker
 * `api` and an app `shop-api` would share one. The second to come is
 * refused, in either order, on the real ledger, app directory and SQLite.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const WEB: Process = { name: 'web', type: 'web', command: ['node', 's.js'] };
const API_WORKER: Process = { name: 'api', type: 'worker', command: ['w'] };
const ROLLED_OUT = { status: 'built', rolloutSequence: expect.any(Number) };

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

async function setup() {
  const { knex, store, ledger } = await startSqliteLedger(databases);
  const apps = new AppDirectory({ store, cluster: 'default' });
  /** Accepts a build of `app` (requested at `createdAt`, else now). */
  const accept = (app: AppRecord, createdAt?: string) => {
    const deployment = testDeployment();
    return ledger.accept({
      app,
      deployment: {
        ...deployment,
        entityRef: app.entityRef,
        appName: app.appName,
        createdAt: createdAt ?? deployment.createdAt,
      },
      build: { ...testBuildPayload(), app: app.appName },
    });
  };
  /** Accepts a build of the entity's app and reports it built with `processes`. */
  const build = async (name: string, processes: Process[]) => {
    const { app } = await apps.resolve(entity(name));
    const accepted = await accept(app);
    return ledger.record(builtReport(accepted.id, app.appName, processes));
  };
  const deployQueue = async () =>
    (await knex('outbox').where({ queue: 'deploy.default' })).map(
      r => JSON.parse(r.message).payload.app,
    );
  return { store, ledger, apps, accept, build, deployQueue };
}

describe('worker Deployment names', () => {
  it('fails a build of shop with a worker api when the app shop-api exists', async () => {
    const { build, deployQueue } = await setup();
    expect(await build('shop-api', [WEB])).toMatchObject(ROLLED_OUT);

    const refused = await build('shop', [WEB, API_WORKER]);
    expect(refused).toMatchObject({
      status: 'failed',
      reason: 'ProcessNameConflict',
      message:
        'The worker process api of shop would run as Deployment shop-api, which is the app of component:default/shop-api: rename the process in the Procfile, or give one of the apps another name (kli8nt.io/app annotation)',
    });
    expect(refused?.rolloutSequence).toBeUndefined();
    // Only shop-api was rolled out; shop's other workers would be fine.
    expect(await deployQueue()).toEqual(['shop-api']);
    expect(
      await build('shop', [WEB, { ...API_WORKER, name: 'jobs' }]),
    ).toMatchObject(ROLLED_OUT);
    expect(await deployQueue()).toEqual(['shop-api', 'shop']);
  });

  it('refuses the app shop-api while shop runs a worker api, and frees the name with it', async () => {
    const { build, apps, store, deployQueue } = await setup();
    expect(await build('shop', [WEB, API_WORKER])).toMatchObject(ROLLED_OUT);

    await expect(apps.resolve(entity('shop-api'))).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        "App name 'shop-api' is the Deployment of the worker process api of component:default/shop: set another name with the kli8nt.io/app annotation",
    });
    expect(await store.getAppByName('shop-api')).toBeUndefined();
    // Names that are no worker of shop stay free.
    await expect(apps.resolve(entity('shop-web'))).resolves.toMatchObject({
      stored: false,
    });

    // Once shop rolls out an image without that worker, the name is free.
    expect(await build('shop', [WEB])).toMatchObject(ROLLED_OUT);
    const { app } = await apps.resolve(entity('shop-api'));
    expect(app.appName).toBe('shop-api');
    // The first rollout was replaced before it was sent.
    expect(await deployQueue()).toEqual(['shop']);
  });

  it('finds the worker shop runs behind any number of later builds', async () => {
    const { build, accept, apps, ledger, store } = await setup();
    expect(await build('shop', [WEB, API_WORKER])).toMatchObject(ROLLED_OUT);
    // 21 newer builds cancelled: the rollout is no longer on the first page.
    const shop = (await store.getAppByName('shop'))!;
    for (let i = 0; i < 21; i++) {
      const later = new Date(Date.UTC(2099, 0, 1, 0, 0, i)).toISOString();
      await ledger.cancel(await accept(shop, later), 'user:default/alice');
    }
    await expect(apps.resolve(entity('shop-api'))).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('worker process api'),
    });
  });

  it('refuses shop-api at accept when shop rolled out its worker api after the name check', async () => {
    const { build, accept, apps, store } = await setup();
    const { app } = await apps.resolve(entity('shop-api'));
    expect(await build('shop', [WEB, API_WORKER])).toMatchObject(ROLLED_OUT);

    await expect(accept(app)).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        "App name 'shop-api' is the Deployment of the worker process api of component:default/shop: set another name with the kli8nt.io/app annotation",
    });
    expect(await store.getAppByName('shop-api')).toBeUndefined();
  });

  it("fails a build whose worker takes the Deployment of another app's worker", async () => {
    const { build, deployQueue } = await setup();
    const worker = (name: string): Process => ({ ...API_WORKER, name });
    expect(await build('shop', [WEB, worker('a-b')])).toMatchObject(ROLLED_OUT);

    // shop's a-b and shop-a's b would both be Deployment shop-a-b.
    expect(await build('shop-a', [WEB, worker('b')])).toMatchObject({
      status: 'failed',
      reason: 'ProcessNameConflict',
      message:
        'The worker process b of shop-a would run as Deployment shop-a-b, which is the worker process a-b of component:default/shop: rename the process in the Procfile, or give one of the apps another name (kli8nt.io/app annotation)',
    });
    expect(await deployQueue()).toEqual(['shop']);
    // And the other way round: shop-a runs b, shop's a-b is refused.
    expect(await build('shop-a', [WEB, worker('c')])).toMatchObject(ROLLED_OUT);
    expect(await build('shop', [WEB])).toMatchObject(ROLLED_OUT);
    expect(await build('shop-a', [WEB, worker('b')])).toMatchObject(ROLLED_OUT);
    expect(await build('shop', [WEB, worker('a-b')])).toMatchObject({
      status: 'failed',
      reason: 'ProcessNameConflict',
      message: expect.stringContaining(
        'which is the worker process b of component:default/shop-a',
      ),
    });
  });
});
