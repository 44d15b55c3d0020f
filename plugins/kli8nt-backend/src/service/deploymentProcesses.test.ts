import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  Process,
  createMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import express from 'express';
import request from 'supertest';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord } from '../database/types';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { createRouter } from '../router';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { DeploymentQueries } from './DeploymentQueries';
import { DeploymentService } from './DeploymentService';
import { EntityAccess } from './EntityAccess';
import { DEFAULT_SETTINGS } from './settings';

/*
 * GET /deployments/:id names the processes of the image it rolls out (the
 * Deploy tab shows them), through the real router, queries, ledger and
 * SQLite store; a page of the history does not look them up.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const APP: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: DEFAULT_SETTINGS,
  settingsVersion: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const DIGEST = `sha256:${'b'.repeat(64)}`;
const PROCESSES: Process[] = [
  { name: 'web', type: 'web', command: ['gunicorn', 'app:app'] },
  { name: 'worker', type: 'worker', command: ['python', 'worker.py'] },
  { name: 'release', type: 'release', command: ['python', 'migrate.py'] },
];

function built(deploymentId: string, processes?: Process[]) {
  return createMessage('StatusReport', {
    deploymentId,
    payload: {
      app: 'shop',
      cluster: 'default',
      status: 'built',
      image: `registry/shop@${DIGEST}`,
      imageDigest: DIGEST,
      source: 'build',
      plan: {
        stack: 'python',
        port: 8080,
        ...(processes ? { processes } : {}),
      },
    },
  });
}

async function setup(options: { deny?: boolean } = {}) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const ledger = new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => undefined },
    logger: mockServices.logger.mock(),
    kickRelay: () => undefined,
  });
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
      app: APP,
      deployment: testDeployment(),
      build: testBuildPayload(),
    });
  return { app, ledger, accepted };
}

describe('processes in the deployments API', () => {
  it('names the processes of the image, also for a settings change that copies it', async () => {
    const { app, ledger, accepted } = await setup();
    const build = await accepted();
    await ledger.record(built(build.id, PROCESSES));
    const { deployment: config } = await ledger.saveSettings({
      app: APP,
      change: s => ({ ...s, env: { MODE: 'after' } }),
      requestedBy: 'user:default/bob',
    });

    for (const id of [build.id, config!.id]) {
      const res = await request(app).get(`/deployments/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, processes: PROCESSES });
    }
    const page = await request(app).get(
      `/deployments?entityRef=${encodeURIComponent(APP.entityRef)}`,
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
    await ledger.record(built(queued.id));
    const res = await request(app).get(`/deployments/${queued.id}`);
    expect(res.body).toMatchObject({ id: queued.id, status: 'built' });
    expect(res.body).not.toHaveProperty('processes');
  });

  it('tells nothing to a user who may not read the deployment', async () => {
    const { app, ledger, accepted } = await setup({ deny: true });
    const build = await accepted();
    await ledger.record(built(build.id, PROCESSES));
    const res = await request(app).get(`/deployments/${build.id}`);
    expect(res.status).not.toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('migrate.py');
  });
});
