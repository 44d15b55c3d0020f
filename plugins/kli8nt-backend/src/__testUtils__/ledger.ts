import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  Process,
  createMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { DeploymentLedger } from '../ledger/DeploymentLedger';

/** The real ledger on a fresh SQLite store, with no one to notify. */
export async function startSqliteLedger(
  databases: TestDatabases,
  options: Partial<ConstructorParameters<typeof DeploymentLedger>[0]> = {},
) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  const ledger = new DeploymentLedger({
    store,
    notifier: { statusChanged: async () => undefined },
    logger: mockServices.logger.mock(),
    kickRelay: () => undefined,
    ...options,
  });
  return { knex, store, ledger };
}

/** The build controller's `built` report of `app`, with the plan's processes. */
export function builtReport(
  deploymentId: string,
  app: string,
  processes: Process[],
) {
  const digest = `sha256:${'d'.repeat(64)}`;
  return createMessage('StatusReport', {
    deploymentId,
    payload: {
      app,
      cluster: 'default',
      status: 'built',
      image: `registry/${app}@${digest}`,
      imageDigest: digest,
      source: 'build',
      plan: { stack: 'node', port: 8080, processes },
    },
  });
}
