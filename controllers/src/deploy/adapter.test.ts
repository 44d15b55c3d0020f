import { randomBytes } from 'node:crypto';
import {
  StatusReportMessage,
  createMessage,
  uuidSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import { CONFLICT_ATTEMPTS, ManualClock, createLogger } from '../runtime';
import { DeployAdapter, deployMessageParser } from './adapter';
import { desiredApp } from './builders';
import { App } from './types';
import {
  DEPLOYMENT_ID,
  baseConfig,
  deployRequested,
  buildRollout,
} from './__testUtils__/fixtures';

const KEY = randomBytes(32).toString('base64');
const NEWER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

function fakeCluster(app?: App, conflicts = 0) {
  let remainingConflicts = conflicts;
  const applied: any[] = [];
  const deletedSecrets: string[] = [];
  const reports: StatusReportMessage[] = [];
  const clients = {
    objects: {
      patch: jest.fn(async (obj: any) => {
        if (obj.kind === 'App' && remainingConflicts > 0) {
          remainingConflicts -= 1;
          throw Object.assign(new Error('conflict'), { code: 409 });
        }
        applied.push(obj);
        return { ...obj, metadata: { ...obj.metadata, uid: 'uid-1' } };
      }),
    },
    custom: {
      getNamespacedCustomObject: jest.fn(async () => {
        if (!app) throw Object.assign(new Error('nf'), { code: 404 });
        return JSON.parse(JSON.stringify(app));
      }),
      deleteNamespacedCustomObject: jest.fn(async () => ({})),
    },
    core: {
      deleteNamespacedSecret: jest.fn(async ({ name }: { name: string }) => {
        deletedSecrets.push(name);
        throw Object.assign(new Error('nf'), { code: 404 });
      }),
    },
  };
  const adapter = new DeployAdapter({
    clients: clients as any,
    config: { ...baseConfig, sealingKeys: [KEY] },
    publish: async report => {
      reports.push(report);
    },
    logger: createLogger({}, () => {}),
    clock: new ManualClock(Date.parse('2026-11-30T12:00:00Z')),
  });
  return { adapter, clients, applied, deletedSecrets, reports };
}

function stored(status?: App['status'], sequence = 5): App {
  const app = desiredApp(buildRollout({ sequence }), baseConfig);
  return {
    ...app,
    metadata: { ...app.metadata, uid: 'uid-1', resourceVersion: '42' },
    ...(status ? { status } : {}),
  };
}

function tombstone(sequence: number): App {
  return {
    apiVersion: 'kli8nt.io/v1alpha1',
    kind: 'App',
    metadata: {
      name: 'shop',
      namespace: baseConfig.namespace,
      resourceVersion: '43',
    },
    spec: { deploymentId: DEPLOYMENT_ID, sequence, deleted: true },
  } as App;
}

const deleteAt = (sequence: number) =>
  createMessage('DeleteRequested', {
    deploymentId: NEWER,
    payload: { app: 'shop', cluster: 'prod', sequence },
  });

describe('deployMessageParser', () => {
  const parse = deployMessageParser('prod');

  it('accepts deploy messages for this cluster', () => {
    const message = JSON.parse(JSON.stringify(buildRollout()));
    expect(parse(message)).toEqual({ ok: true, message });
  });

  it('refuses other clusters, other types and invalid messages with a reason', () => {
    expect(
      parse(JSON.parse(JSON.stringify(buildRollout({ cluster: 'dev' })))),
    ).toEqual({
      ok: false,
      error: 'payload.cluster: dev is not this cluster (prod)',
    });
    const report = createMessage('StatusReport', {
      deploymentId: DEPLOYMENT_ID,
      payload: {
        app: 'shop',
        cluster: 'prod',
        status: 'live',
        source: 'deploy',
      },
    });
    expect(parse(JSON.parse(JSON.stringify(report)))).toEqual({
      ok: false,
      error: 'type: StatusReport is not consumed from deploy queues',
    });
    expect(parse({ type: 'ImageBuilt' }).ok).toBe(false);
    expect(
      parse(
        JSON.parse(
          JSON.stringify(
            createMessage('CancelRequested', {
              deploymentId: DEPLOYMENT_ID,
              payload: { app: 'shop', cluster: 'prod' },
            }),
          ),
        ),
      ),
    ).toEqual({
      ok: false,
      error: 'type: CancelRequested is not consumed from deploy queues',
    });
  });
});

describe('DeployAdapter', () => {
  it('applies the App, then its env Secret with the opened values', async () => {
    const world = fakeCluster();
    await world.adapter.handle(
      buildRollout({
        config: { secretEnv: { TOKEN: sealSecret('t0p', KEY) } },
      }),
    );
    expect(world.applied.map(o => o.kind)).toEqual(['App', 'Secret']);
    expect(world.applied[0].metadata.resourceVersion).toBeUndefined();
    expect(world.applied[1].data).toEqual({
      TOKEN: Buffer.from('t0p').toString('base64'),
    });
    expect(world.applied[1].metadata.ownerReferences[0].uid).toBe('uid-1');
    expect(world.reports).toEqual([]);
  });

  it('removes the env Secret when the app has no secret env', async () => {
    const world = fakeCluster();
    await world.adapter.handle(buildRollout());
    expect(world.applied.map(o => o.kind)).toEqual(['App']);
    expect(world.deletedSecrets).toEqual(['shop-env']);
  });

  it('retries an apply that lost a race, on the stored version', async () => {
    const world = fakeCluster(stored(), 2);
    await world.adapter.handle(buildRollout({ sequence: 5 }));
    expect(world.clients.objects.patch).toHaveBeenCalledTimes(3);
    expect(world.applied[0].metadata.resourceVersion).toBe('42');
  });

  it('gives up after repeated conflicts, so the message is retried later', async () => {
    const world = fakeCluster(stored(), 10);
    await expect(
      world.adapter.handle(buildRollout({ sequence: 5 })),
    ).rejects.toMatchObject({ code: 409 });
    expect(world.clients.objects.patch).toHaveBeenCalledTimes(
      CONFLICT_ATTEMPTS,
    );
    expect(world.applied).toEqual([]);
  });

  it('applies a higher sequence over the stored one, on its version', async () => {
    const world = fakeCluster(stored());
    await world.adapter.handle(
      deployRequested({ deploymentId: NEWER, reason: 'config', sequence: 6 }),
    );
    expect(world.applied[0].spec).toMatchObject({
      deploymentId: NEWER,
      sequence: 6,
    });
    expect(world.applied[0].metadata.resourceVersion).toBe('42');
    expect(world.reports).toEqual([]);
  });

  it('applies a redelivery of the stored sequence again', async () => {
    const world = fakeCluster(stored());
    await world.adapter.handle(buildRollout({ sequence: 5 }));
    expect(world.applied[0].spec.sequence).toBe(5);
  });

  it('drops a lower sequence without a report: the portal decided', async () => {
    const world = fakeCluster(stored());
    await world.adapter.handle(
      deployRequested({ deploymentId: NEWER, sequence: 4 }),
    );
    expect(world.applied).toEqual([]);
    expect(world.reports).toEqual([]);
  });

  it('never lets an older rollout cross a tombstone; a later one revives the app', async () => {
    const world = fakeCluster(tombstone(7));
    await world.adapter.handle(
      deployRequested({ deploymentId: NEWER, sequence: 6 }),
    );
    expect(world.applied).toEqual([]);
    await world.adapter.handle(
      deployRequested({ deploymentId: NEWER, sequence: 8 }),
    );
    expect(world.applied[0].spec).toMatchObject({
      deploymentId: NEWER,
      sequence: 8,
    });
    expect(world.applied[0].spec.deleted).toBeUndefined();
  });

  it('reports failed for a secret it cannot open, applying nothing', async () => {
    const world = fakeCluster();
    const message = buildRollout({
      config: { secretEnv: { TOKEN: 'v1.deadbeef.AAAA.AAAA.AAAA' } },
    });
    await world.adapter.handle(message);
    expect(world.applied).toEqual([]);
    expect(world.reports[0].payload).toMatchObject({
      status: 'failed',
      reason: 'SecretEnvUnreadable',
    });
    // No App keys a refusal's id: each copy gets a random one (the portal
    // drops whatever follows a final report).
    await world.adapter.handle(message);
    const [first, again] = world.reports.map(r => r.messageId);
    expect(again).not.toBe(first);
    expect(uuidSchema.safeParse(again).success).toBe(true);
  });

  it('turns a deleted App into a tombstone at the delete sequence', async () => {
    const world = fakeCluster(stored());
    await world.adapter.handle(deleteAt(9));
    expect(world.applied).toEqual([
      expect.objectContaining({
        kind: 'App',
        metadata: expect.objectContaining({
          name: 'shop',
          resourceVersion: '42',
        }),
        spec: { deploymentId: DEPLOYMENT_ID, sequence: 9, deleted: true },
      }),
    ]);
    expect(
      world.clients.custom.deleteNamespacedCustomObject,
    ).not.toHaveBeenCalled();
    expect(world.reports).toEqual([]);
  });

  it('leaves a tombstone for an app this cluster never saw', async () => {
    const world = fakeCluster();
    await world.adapter.handle(deleteAt(3));
    expect(world.applied[0].spec).toEqual({
      deploymentId: NEWER,
      sequence: 3,
      deleted: true,
    });
  });

  it('ignores a delete older than the stored rollout', async () => {
    const world = fakeCluster(stored());
    await world.adapter.handle(deleteAt(4));
    expect(world.applied).toEqual([]);
  });

  it('applies messages of one app one at a time', async () => {
    const world = fakeCluster();
    let inFlight = 0;
    let most = 0;
    world.clients.custom.getNamespacedCustomObject.mockImplementation(
      async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise(r => setTimeout(r, 5));
        inFlight -= 1;
        throw Object.assign(new Error('nf'), { code: 404 });
      },
    );
    await Promise.all([
      world.adapter.handle(buildRollout()),
      world.adapter.handle(deployRequested({ deploymentId: NEWER })),
      world.adapter.handle(buildRollout({ app: 'blog' })),
    ]);
    expect(most).toBe(2); // shop and blog in parallel, never two of shop
    expect(world.applied).toHaveLength(3);
  });
});
