import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { testenvGate } from '../__testUtils__/testenvGate';
import { LeaderElector, LeaseTiming } from './leaderElection';
import { createLogger } from './logger';

const { describeWithTestenv, requireTestenv } = testenvGate(['KUBECONFIG']);

jest.setTimeout(60_000);

const timing: LeaseTiming = {
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 500,
};
const logger = createLogger({}, () => {});
const NAMESPACE = 'default';

async function until(condition: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

describeWithTestenv('leader election on the real API server', () => {
  let kubeConfig: KubeConfig;
  let leases: CoordinationV1Api;
  const name = `kli8nt-test-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    requireTestenv();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    leases = kubeConfig.makeApiClient(CoordinationV1Api);
  });

  afterAll(async () => {
    await leases
      ?.deleteNamespacedLease({ name, namespace: NAMESPACE })
      .catch(() => undefined);
  });

  function elector(identity: string) {
    return new LeaderElector({
      kubeConfig,
      namespace: NAMESPACE,
      name,
      identity,
      logger,
      timing,
    });
  }

  it('runs one leader at a time; when the leader dies the standby takes over within the lease time', async () => {
    const running = new Set<string>();
    let overlap = false;
    const work = (identity: string) => async () => {
      if (running.size > 0) overlap = true;
      running.add(identity);
      return async () => {
        running.delete(identity);
      };
    };
    const a = elector('replica-a');
    const b = elector('replica-b');
    const aDone = a.lead(work('replica-a'));
    await until(() => running.has('replica-a'), 10_000, 'a to lead');
    const bDone = b.lead(work('replica-b'));
    // b waits while a renews.
    await new Promise(r => setTimeout(r, timing.leaseDurationMs + 1000));
    expect([...running]).toEqual(['replica-a']);
    expect(b.isLeader).toBe(false);

    // a dies without releasing: its process is gone, renewals stop. The
    // kill is simulated by cutting a's connection to the API server.
    const lease = await leases.readNamespacedLease({
      name,
      namespace: NAMESPACE,
    });
    expect(lease.spec?.holderIdentity).toBe('replica-a');
    (a as unknown as { api: unknown }).api = new Proxy(
      {},
      {
        get: () => async () => {
          throw new Error('connect ECONNREFUSED (killed)');
        },
      },
    );
    const killedAt = Date.now();
    await until(() => running.has('replica-b'), 15_000, 'b to take over');
    const takeover = Date.now() - killedAt;
    // The lease expires 3 s after a's last renewal (which may be up to one
    // retry period before the kill), and b checks every 0.5 s.
    expect(takeover).toBeLessThanOrEqual(
      timing.leaseDurationMs + timing.retryPeriodMs * 2 + 1000,
    );
    // a notices it lost the lease after its renew deadline and stops work.
    expect(await aDone).toBe('lost');
    expect(overlap).toBe(false);
    const after = await leases.readNamespacedLease({
      name,
      namespace: NAMESPACE,
    });
    expect(after.spec?.holderIdentity).toBe('replica-b');
    expect(after.spec?.leaseTransitions).toBe(1);

    // A clean stop releases the lease at once.
    b.stop();
    expect(await bDone).toBe('stopped');
    const c = elector('replica-c');
    const started = Date.now();
    const cDone = c.lead(work('replica-c'));
    await until(() => running.has('replica-c'), 5_000, 'c to lead');
    expect(Date.now() - started).toBeLessThan(timing.leaseDurationMs);
    c.stop();
    expect(await cDone).toBe('stopped');
  });
});
