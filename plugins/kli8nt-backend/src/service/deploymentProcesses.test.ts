import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ProcessReadiness,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import request from 'supertest';
import { createRouter } from '../router';
import {
  TEST_APP,
  TEST_PROCESSES,
  builtReport,
  startSqliteLedger,
} from '../__testUtils__/ledger';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { DeploymentQueries } from './DeploymentQueries';
import { DeploymentService } from './DeploymentService';
import { EntityAccess } from './EntityAccess';

/*
 * GET /deployments/:id names the processes of the image it rolls out (the
 * Deploy tab shows them), through the real router, queries, ledger and
 * SQLite store; a page of the history does not look them up.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function setup(options: { deny?: boolean } = {}) {
  const { store, ledger } = await startSqliteLedger(databases);
  const access = new EntityAccess(
    mockServices.permissions({
      result: options.deny ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
    }),
    catalogServiceMock(),
  );
  // Reads of one deployment need the store and access only.
  const queries = new DeploymentQueries({
    store,
    access,
  } as unknown as ConstructorParameters<typeof DeploymentQueries>[0]);
  const app = express().use(
    await createRouter({
      httpAuth: mockServices.httpAuth(),
      auditor: mockServices.auditor.mock(),
      service: { queries } as DeploymentService,
    }),
  );
  const accepted = () =>
    ledger.accept({
      app: TEST_APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
  return { app, ledger, accepted };
}

/** The deploy controller's report of `status`, with the counts it saw. */
function deployReport(
  deploymentId: string,
  status: 'deploying' | 'live' | 'failed',
  readiness?: ProcessReadiness[],
) {
  return createMessage('StatusReport', {
    deploymentId,
    payload: {
      app: 'shop',
      cluster: 'default',
      status,
      source: 'deploy',
      ...(status === 'failed' ? { reason: 'ProgressDeadlineExceeded' } : {}),
      ...(readiness ? { readiness } : {}),
    },
  });
}

describe('processes in the deployments API', () => {
  it('names the processes of the image, also for a settings change that copies it', async () => {
    const { app, ledger, accepted } = await setup();
    const build = await accepted();
    await ledger.record(builtReport(build.id, 'shop', TEST_PROCESSES));
    const { deployment: config } = await ledger.saveSettings({
      app: TEST_APP,
      change: s => ({ ...s, env: { MODE: 'after' } }),
      requestedBy: 'user:default/bob',
    });

    for (const id of [build.id, config!.id]) {
      const res = await request(app).get(`/deployments/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, processes: TEST_PROCESSES });
    }
    const page = await request(app).get(
      `/deployments?entityRef=${encodeURIComponent(TEST_APP.entityRef)}`,
    );
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items.some((d: object) => 'processes' in d)).toBe(false);
  });

  it('names none when the build reported none, or before the build', async () => {
    const { app, ledger, accepted } = await setup();
    const queued = await accepted();
    expect(
      (await request(app).get(`/deployments/${queued.id}`)).body,
    ).not.toHaveProperty('processes');
    await ledger.record(builtReport(queued.id, 'shop'));
    const res = await request(app).get(`/deployments/${queued.id}`);
    expect(res.body).toMatchObject({ id: queued.id, status: 'built' });
    expect(res.body).not.toHaveProperty('processes');
  });

  it('tells how many pods of each process the deploy controller last reported ready', async () => {
    const { app, ledger, accepted } = await setup();
    const build = await accepted();
    await ledger.record(builtReport(build.id, 'shop', TEST_PROCESSES));
    await ledger.record(deployReport(build.id, 'deploying'));
    const get = async () =>
      (await request(app).get(`/deployments/${build.id}`)).body;
    expect(await get()).not.toHaveProperty('readiness');

    const allReady = [
      { process: 'web', ready: 2, desired: 2 },
      { process: 'worker', ready: 1, desired: 1 },
    ];
    await ledger.record(deployReport(build.id, 'live', allReady));
    expect(await get()).toMatchObject({ status: 'live', readiness: allReady });
    // A late report without counts (redelivered deploying) keeps them.
    await ledger.record(deployReport(build.id, 'deploying'));
    expect(await get()).toMatchObject({ status: 'live', readiness: allReady });

    const page = await request(app).get(
      `/deployments?entityRef=${encodeURIComponent(TEST_APP.entityRef)}`,
    );
    expect(page.body.items[0]).not.toHaveProperty('readiness');
  });

  it('tells the counts of a deployment that failed without going live', async () => {
    const { app, ledger, accepted } = await setup();
    const build = await accepted();
    await ledger.record(builtReport(build.id, 'shop', TEST_PROCESSES));
    await ledger.record(deployReport(build.id, 'deploying'));
    const get = async () =>
      (await request(app).get(`/deployments/${build.id}`)).body;

    // Past the progress deadline the web pod serves, the worker crash-loops.
    const crashing = [
      { process: 'web', ready: 1, desired: 1 },
      { process: 'worker', ready: 0, desired: 1 },
    ];
    await ledger.record(deployReport(build.id, 'failed', crashing));
    expect(await get()).toMatchObject({
      status: 'failed',
      readiness: crashing,
    });
    // A redelivered deploying changes neither the status nor the counts.
    await ledger.record(deployReport(build.id, 'deploying'));
    expect(await get()).toMatchObject({
      status: 'failed',
      readiness: crashing,
    });
  });

  it('tells nothing to a user who may not read the deployment', async () => {
    const { app, ledger, accepted } = await setup({ deny: true });
    const build = await accepted();
    await ledger.record(builtReport(build.id, 'shop', TEST_PROCESSES));
    const res = await request(app).get(`/deployments/${build.id}`);
    expect(res.status).not.toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('migrate.py');
  });
});
