import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import {
  DeployRequestedMessage,
  Kli8ntMessage,
  createMessage,
  isTerminalStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import knexFactory, { Knex } from 'knex';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { failThroughLedger } from '../deadLetters/failDeployment';
import {
  TEST_APP,
  TEST_IMAGE_DIGEST,
  builtReport,
  testLedger,
} from '../__testUtils__/ledger';
import { testBuildPayload, testDeployment } from '../__testUtils__/messages';
import { pendingOutbox } from '../__testUtils__/outbox';

/*
 * The ledger on PostgreSQL and SQLite. On PostgreSQL two "replicas" are two
 * stores with their own connection pools on the same database, racing; on
 * SQLite (one writer at a time) they share the store.
 */

const databases = TestDatabases.create({
  ids: ['POSTGRES_15', 'SQLITE_3'],
  disableDocker: true,
});

async function replicas(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const first = await DatabaseKli8ntStore.create({
    database: { getClient: async () => knex },
  });
  let other: Knex | undefined;
  let second = first;
  if (id === 'POSTGRES_15') {
    other = knexFactory(knex.client.config);
    second = new DatabaseKli8ntStore(other);
  }
  return {
    knex,
    store: first,
    ledgers: [testLedger(first), testLedger(second)] as const,
    close: async () => other?.destroy(),
  };
}

const build = () => testDeployment();
const buildPayload = testBuildPayload();

function report(
  deploymentId: string,
  status: 'cancelled' | 'failed' | 'deploying' | 'live',
  source: 'build' | 'deploy' = 'build',
) {
  return createMessage('StatusReport', {
    deploymentId,
    payload: { app: 'shop', cluster: 'default', status, source },
  });
}

/** The final events in the deployment's history, by status. */
async function finalEvents(store: DatabaseKli8ntStore, deploymentId: string) {
  return (await store.listEvents(deploymentId))
    .map(e => e.status)
    .filter(isTerminalStatus);
}

async function outbox(knex: Knex): Promise<Kli8ntMessage[]> {
  return (await pendingOutbox(knex)).map(r => r.message as Kli8ntMessage);
}

const rollouts = (messages: Kli8ntMessage[]) =>
  messages.filter(
    (m): m is DeployRequestedMessage => m.type === 'DeployRequested',
  );

describe.each(databases.eachSupportedId())('DeploymentLedger on %p', id => {
  it('hands out one sequence per request, also to racing replicas', async () => {
    const { store, ledgers, close } = await replicas(id);
    const accepted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledgers[i % 2].accept({
          app: TEST_APP,
          deployment: build(),
          build: buildPayload,
        }),
      ),
    );
    expect(accepted.map(d => d.sequence).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const stored = await store.listDeployments(TEST_APP.entityRef, {
      limit: 50,
    });
    expect(new Set(stored.items.map(d => d.sequence)).size).toBe(20);
    await close();
  });

  it('rolls a finished build out with the settings current then', async () => {
    const { knex, ledgers, close } = await replicas(id);
    const [ledger] = ledgers;
    const d = await ledger.accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    await ledger.saveSettings({
      app: TEST_APP,
      change: s => ({ ...s, env: { MODE: 'during-build' } }),
      requestedBy: 'user:default/bob',
    });
    const after = await ledger.record(builtReport(d.id, 'shop'));
    expect(after).toMatchObject({ status: 'built', rolloutSequence: 2 });
    const [rollout] = rollouts(await outbox(knex));
    expect(rollout.payload).toMatchObject({
      reason: 'build',
      sequence: 2,
      imageDigest: TEST_IMAGE_DIGEST,
      config: { env: { MODE: 'during-build' } },
    });
    // A redelivered report decides nothing twice.
    await ledger.record(builtReport(d.id, 'shop'));
    expect(rollouts(await outbox(knex))).toHaveLength(1);
    await close();
  });

  it('orders a build finishing against a racing rollback on another replica', async () => {
    const { knex, store, ledgers, close } = await replicas(id);
    const old = await ledgers[0].accept({
      app: TEST_APP,
      deployment: { ...build(), image: `registry/shop@${TEST_IMAGE_DIGEST}` },
      build: buildPayload,
    });
    await ledgers[0].record(builtReport(old.id, 'shop'));
    const slow = await ledgers[0].accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    const source = (await store.getDeployment(old.id))!;
    const [, rollback] = await Promise.all([
      ledgers[0].record(builtReport(slow.id, 'shop')),
      ledgers[1].accept({
        app: TEST_APP,
        deployment: {
          ...build(),
          trigger: 'rollback',
          image: source.image,
          imageDigest: source.imageDigest,
        },
        rollout: { reason: 'rollback' },
      }),
    ]);
    // The rollback was requested after the slow build: whichever committed
    // first, the rollback's rollout is the last one the cluster applies,
    // and the slow build never is after it.
    const sent = rollouts(await outbox(knex));
    const last = sent.reduce((a, b) =>
      a.payload.sequence > b.payload.sequence ? a : b,
    );
    expect(last.deploymentId).toBe(rollback.id);
    expect(new Set(sent.map(m => m.payload.sequence)).size).toBe(sent.length);
    expect((await store.getDeployment(slow.id))!.status).toBe('superseded');
    await close();
  });

  it('never rolls out a build of a deleted app, also when the delete races it', async () => {
    const { knex, store, ledgers, close } = await replicas(id);
    const d = await ledgers[0].accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    await Promise.all([
      ledgers[0].record(builtReport(d.id, 'shop')),
      ledgers[1].deleteApp(TEST_APP),
    ]);
    const messages = await outbox(knex);
    const deletes = messages.filter(m => m.type === 'DeleteRequested');
    expect(deletes).toHaveLength(1);
    const tombstone = (deletes[0] as { payload: { sequence: number } }).payload
      .sequence;
    // A rollout decided before the delete is older than its tombstone.
    for (const m of rollouts(messages)) {
      expect(m.payload.sequence).toBeLessThan(tombstone);
    }
    expect(await store.getApp(TEST_APP.entityRef)).toBeUndefined();
    // The next request after a delete is ordered after the tombstone.
    const again = await ledgers[1].accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    expect(again.sequence).toBeGreaterThan(tombstone);
    await close();
  });

  it('cancels a queued build once: withdraws it and asks the cluster to stop', async () => {
    const { knex, store, ledgers, close } = await replicas(id);
    const d = await ledgers[0].accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    const results = await Promise.allSettled([
      ledgers[0].cancel(d, 'user:default/alice'),
      ledgers[1].cancel(d, 'user:default/bob'),
    ]);
    expect(results.map(r => r.status).sort()).toEqual([
      'fulfilled',
      'rejected',
    ]);
    expect((await outbox(knex)).map(m => m.type)).toEqual(['CancelRequested']);
    expect((await store.getDeployment(d.id))!.status).toBe('cancelled');
    // The build role confirming the cancel adds no second final event.
    await ledgers[1].record(report(d.id, 'cancelled'));
    expect(
      (await store.listEvents(d.id)).filter(e => e.status === 'cancelled'),
    ).toHaveLength(1);
    // Its build finishing later changes nothing.
    await ledgers[1].record(builtReport(d.id, 'shop'));
    expect(rollouts(await outbox(knex))).toEqual([]);
    await close();
  });

  it('records a final state once: later reports of a final deployment are dropped', async () => {
    const { store, ledgers, close } = await replicas(id);
    const [ledger] = ledgers;
    const fail = failThroughLedger(ledger);
    const target = (d: { id: string }) => ({
      deploymentId: d.id,
      app: 'shop',
      cluster: 'default',
    });
    // Cancelled by the user; killing its build makes the build role report
    // it failed (found by the chaos run of #16).
    const cancelled = await ledger.accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    await ledger.cancel(cancelled, 'user:default/alice');
    await ledger.record(report(cancelled.id, 'failed'));
    await ledger.record(report(cancelled.id, 'cancelled'));
    expect(await finalEvents(store, cancelled.id)).toEqual(['cancelled']);

    // Superseded by a later build that rolled out first; the build role
    // then reports the older build's Job cancelled.
    const older = await ledger.accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    const newer = await ledger.accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    await ledger.record(builtReport(newer.id, 'shop'));
    expect((await store.getDeployment(older.id))!.status).toBe('superseded');
    await ledger.record(report(older.id, 'cancelled'));
    expect(await finalEvents(store, older.id)).toEqual(['superseded']);

    // Live; a copy of its rollout dead-lettered later (a redelivery while
    // the apiserver was down) must not make the portal show it failed
    // while it serves.
    await ledger.record(report(newer.id, 'deploying', 'deploy'));
    await ledger.record(report(newer.id, 'live', 'deploy'));
    await fail(target(newer), 'DeadLettered', 'DeployRequested was given up');
    expect((await store.getDeployment(newer.id))!.status).toBe('live');
    expect(await finalEvents(store, newer.id)).toEqual(['live']);

    // The one second final event there is: the ledger supersedes a live
    // deployment once a later rollout is live.
    const next = await ledger.accept({
      app: TEST_APP,
      deployment: build(),
      build: buildPayload,
    });
    await ledger.record(builtReport(next.id, 'shop'));
    await ledger.record(report(next.id, 'live', 'deploy'));
    expect(await finalEvents(store, newer.id)).toEqual(['live', 'superseded']);
    await close();
  });

  it('refuses a stale settings save from a racing replica', async () => {
    const { store, ledgers, close } = await replicas(id);
    const results = await Promise.allSettled(
      ledgers.map((ledger, i) =>
        ledger.saveSettings({
          app: TEST_APP,
          change: s => ({ ...s, replicas: i + 2 }),
          expectedVersion: 0,
          requestedBy: 'user:default/alice',
        }),
      ),
    );
    expect(results.map(r => r.status).sort()).toEqual([
      'fulfilled',
      'rejected',
    ]);
    expect((await store.getApp(TEST_APP.entityRef))!.settingsVersion).toBe(1);
    await close();
  });
});
