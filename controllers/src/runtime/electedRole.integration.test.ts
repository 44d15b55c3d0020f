import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { testenvGate } from '../__testUtils__/testenvGate';
import { startElectedRole } from './electedRole';
import { createLogger } from './logger';

const { describeWithTestenv, requireTestenv } = testenvGate(['KUBECONFIG']);

jest.setTimeout(60_000);

describeWithTestenv('an elected role on the real API server', () => {
  beforeAll(() => requireTestenv());

  it('reports a standby ready, a leader with a disconnected consumer not ready, then not live after the grace', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const lease = `kli8nt-test-${randomBytes(4).toString('hex')}`;
    let connected = false;
    const common = {
      kubeConfig,
      logger: createLogger({}, () => {}),
      lease,
      namespace: 'default',
      healthPort: 0,
      livenessGraceMs: 1000,
      timing: {
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 300,
      },
    };
    const started: string[] = [];
    const leader = await startElectedRole({
      ...common,
      identity: 'leader',
      start: async () => {
        started.push('leader');
        return {
          stop: async () => {},
          problem: () => (connected ? undefined : 'RabbitMQ disconnected'),
        };
      },
    });
    for (let i = 0; i < 100 && started.length === 0; i++) {
      await new Promise(r => setTimeout(r, 50));
    }
    const standby = await startElectedRole({
      ...common,
      identity: 'standby',
      start: async () => {
        started.push('standby');
        return { stop: async () => {}, problem: () => undefined };
      },
    });
    const probe = async (port: number | undefined, path: string) =>
      (await fetch(`http://127.0.0.1:${port}${path}`)).status;
    try {
      await new Promise(r => setTimeout(r, 500));
      expect(started).toEqual(['leader']);
      expect(await probe(standby.port, '/readyz')).toBe(200);
      expect(await probe(leader.port, '/readyz')).toBe(503);
      expect(await probe(leader.port, '/livez')).toBe(200);
      await new Promise(r => setTimeout(r, 1200));
      expect(await probe(leader.port, '/livez')).toBe(503);
      connected = true;
      expect(await probe(leader.port, '/readyz')).toBe(200);
      expect(await probe(leader.port, '/livez')).toBe(200);
      // The leader stops cleanly: the standby takes over at once.
      await leader.stop();
      for (let i = 0; i < 40 && started.length < 2; i++) {
        await new Promise(r => setTimeout(r, 50));
      }
      expect(started).toEqual(['leader', 'standby']);
    } finally {
      await leader.stop();
      await standby.stop();
    }
  });
});
