import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Process, createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { AppRecord } from '../database/types';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { DEFAULT_SETTINGS } from '../service/settings';

type LedgerOptions = ConstructorParameters<typeof DeploymentLedger>[0];

/** The app `shop` on cluster default, with the default settings. */
export const TEST_APP: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: DEFAULT_SETTINGS,
  settingsVersion: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** A plan's processes: a web server, a worker and a release command. */
export const TEST_PROCESSES: Process[] = [
  { name: 'web', type: 'web', command: ['gunicorn', 'app:app'] },
  { name: 'worker', type: 'worker', command: ['python', 'worker.py'] },
  { name: 'release', type: 'release', command: ['python', 'migrate.py'] },
];

/** The digest of every image `builtReport` reports. */
export const TEST_IMAGE_DIGEST = `sha256:${'d'.repeat(64)}`;

/** The real ledger on `store`, with no one to notify. */
export function testLedger(
  store: DatabaseKli8ntStore,
  options: Partial<LedgerOptions> = {},
) {
  return new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => undefined },
    logger: mockServices.logger.mock(),
    kickRelay: () => undefined,
    ...options,
  });
}

/** The real ledger on a fresh SQLite store, with no one to notify. */
export async function startSqliteLedger(
  databases: TestDatabases,
  options: Partial<LedgerOptions> = {},
) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const ledger = testLedger(store, options);
  return { knex, store, ledger };
}

/**
 * The build controller's `built` report of `app`; its plan lists
 * `processes`, or none (an image that declares no processes).
 */
export function builtReport(
  deploymentId: string,
  app: string,
  processes?: Process[],
) {
  return createMessage('StatusReport', {
    deploymentId,
    payload: {
      app,
      cluster: 'default',
      status: 'built',
      image: `registry/${app}@${TEST_IMAGE_DIGEST}`,
      imageDigest: TEST_IMAGE_DIGEST,
      source: 'build',
      plan: { stack: 'node', port: 8080, ...(processes ? { processes } : {}) },
    },
  });
}
