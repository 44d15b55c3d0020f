import { LogBusSink } from '@kli8nt/backstage-plugin-kli8nt-node';
import { createLogger } from '../runtime';
import { FlowBudget, FlowLimits } from './flow';
import { ContainerFollower } from './follower';
import { LogStreamError } from './logStream';
import { createLogsMetrics } from './metrics';
import { ContainerTarget, LogPod } from './podTargets';
import { KafkaResumeIndex } from './resumeIndex';
import {
  FakeKubelet,
  FlakyBusClient,
  eventually,
  metricValue,
  topicRecords,
  topicSettings,
} from './__testUtils__/fakes';

const pod: LogPod = {
  namespace: 'apps',
  name: 'shop-7d9f-abcde',
  uid: 'uid-1',
  app: 'shop',
  deploymentId: '6f1c2a3e-0000-4000-8000-000000000001',
  source: 'runtime',
  createdMs: Date.parse('2024-05-01T09:00:00Z'),
};
const TOPIC = 'kli8nt.logs.shop';
const running: ContainerTarget = {
  name: 'web',
  init: false,
  state: 'running',
  instance: 'c1',
};
const ts = (i: number) =>
  `2024-05-01T10:${String(Math.floor(i / 600)).padStart(2, '0')}:${String(
    Math.floor(i / 10) % 60,
  ).padStart(2, '0')}.${String(i % 10).padStart(9, '0')}Z`;

function setup(
  options: { limits?: Partial<FlowLimits>; maxLineBytes?: number } = {},
) {
  const kubelet = new FakeKubelet();
  const bus = new FlakyBusClient();
  const sink = new LogBusSink({
    client: bus,
    topic: topicSettings,
    batchSize: 50,
    lingerMs: 2,
  });
  const metrics = createLogsMetrics();
  const budget = new FlowBudget({
    totalBytes: 1_000_000,
    perContainerBytes: 100_000,
    stallMs: 10_000,
    ...options.limits,
  });
  const resume = new KafkaResumeIndex({
    client: bus,
    topicSettings,
    lookbackMs: 3_600_000,
    now: () => Date.parse('2024-05-01T12:00:00Z'),
  });
  const followers: ContainerFollower[] = [];
  const follow = (target: ContainerTarget = running) => {
    const follower = new ContainerFollower(pod, target, {
      opener: kubelet,
      sink,
      // A fresh index, as after a controller restart.
      resume: new KafkaResumeIndex({
        client: bus,
        topicSettings,
        lookbackMs: 3_600_000,
        now: () => Date.parse('2024-05-01T12:00:00Z'),
      }),
      budget,
      metrics,
      logger: createLogger({}, () => {}),
      maxLineBytes: options.maxLineBytes ?? 1024,
      maxBatchEntries: 20,
      backoff: { baseMs: 5, maxMs: 40, jitter: 0 },
      refreshAfterMs: 60_000,
    });
    followers.push(follower);
    follower.start();
    return follower;
  };
  const shipped = async () =>
    (await topicRecords(bus.inner, TOPIC))
      .filter(r => r.headers.container === 'web' || r.key.endsWith('/web'))
      .sort((a, b) => (a.headers.timestamp < b.headers.timestamp ? -1 : 1))
      .map(r => r.value);
  const stopAll = () =>
    Promise.all(followers.map(f => f.stop({ flushTimeoutMs: 2_000 })));
  return {
    kubelet,
    bus,
    sink,
    metrics,
    budget,
    resume,
    follow,
    shipped,
    stopAll,
  };
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => `line ${from + k}`);

describe('ContainerFollower', () => {
  it('ships every line once, in order, with the headers', async () => {
    const t = setup();
    for (let i = 0; i < 30; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    t.follow();
    for (let i = 30; i < 60; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () =>
      expect(await t.shipped()).toEqual(lines(0, 60)),
    );
    const records = await topicRecords(t.bus.inner, TOPIC);
    expect(records[0].headers).toEqual({
      deploymentId: pod.deploymentId,
      source: 'runtime',
      pod: pod.name,
      container: 'web',
      timestamp: ts(0),
    });
    expect(t.kubelet.requests[0]).toEqual({
      namespace: 'apps',
      pod: pod.name,
      container: 'web',
      follow: true,
      previous: false,
      sinceTime: undefined,
    });
    expect(
      await metricValue(t.metrics.linesShipped, { source: 'runtime' }),
    ).toBe(60);
    await t.stopAll();
  });

  it('resumes after disconnects from the last shipped second without duplicates', async () => {
    const t = setup();
    t.follow();
    for (let round = 0; round < 8; round++) {
      for (let i = round * 25; i < (round + 1) * 25; i++)
        t.kubelet.write('web', ts(i), `line ${i}`);
      await eventually(async () =>
        expect(await t.shipped()).toHaveLength((round + 1) * 25),
      );
      await eventually(() => expect(t.kubelet.openStreams).toBe(1));
      t.kubelet.disconnect();
    }
    await eventually(async () =>
      expect(await t.shipped()).toEqual(lines(0, 200)),
    );
    await eventually(() => expect(t.kubelet.openStreams).toBe(1));
    const resumed = t.kubelet.requests.slice(1);
    expect(resumed.length).toBeGreaterThanOrEqual(8);
    expect(resumed.every(r => r.sinceTime && /:\d\dZ$/.test(r.sinceTime))).toBe(
      true,
    );
    expect(await metricValue(t.metrics.duplicatesDropped)).toBeGreaterThan(0);
    expect(
      await metricValue(t.metrics.reconnects, { reason: 'ended' }),
    ).toBeGreaterThanOrEqual(8);
    await t.stopAll();
  });

  it('neither loses nor duplicates lines while Kafka is down, even if a failed produce was stored', async () => {
    const t = setup();
    t.follow();
    for (let i = 0; i < 20; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () => expect(await t.shipped()).toHaveLength(20));
    t.bus.mode = 'store-then-fail';
    for (let i = 20; i < 40; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () =>
      expect(
        await metricValue(t.metrics.reconnects, { reason: 'ship_failed' }),
      ).toBeGreaterThan(0),
    );
    t.bus.mode = 'down';
    for (let i = 40; i < 60; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await new Promise(resolve => setTimeout(resolve, 100));
    t.bus.mode = 'up';
    for (let i = 60; i < 80; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () =>
      expect(await t.shipped()).toEqual(lines(0, 80)),
    );
    await t.stopAll();
  });

  it('a new follower (controller restart) resumes from what Kafka holds', async () => {
    const t = setup();
    // Several lines share each timestamp: the hard case for sinceTime.
    const stamp = (i: number) => ts(Math.floor(i / 3) * 3);
    for (let i = 0; i < 30; i++)
      t.kubelet.write('web', stamp(i), `line ${i % 4}`);
    const first = t.follow();
    await eventually(async () => expect(await t.shipped()).toHaveLength(30));
    await first.stop();
    for (let i = 30; i < 45; i++)
      t.kubelet.write('web', stamp(i), `line ${i % 4}`);
    t.follow();
    for (let i = 45; i < 60; i++)
      t.kubelet.write('web', stamp(i), `line ${i % 4}`);
    await eventually(async () =>
      expect(await t.shipped()).toEqual(
        Array.from({ length: 60 }, (_, i) => `line ${i % 4}`),
      ),
    );
    await t.stopAll();
  });

  it('pauses when Kafka is slow, keeps memory bounded, and disconnects after the stall time', async () => {
    const t = setup({
      limits: { perContainerBytes: 2_000, totalBytes: 5_000, stallMs: 200 },
    });
    t.bus.mode = 'hang';
    t.follow();
    const text = (i: number) => `line ${i} ${'p'.repeat(90)}`;
    for (let i = 0; i < 300; i++) t.kubelet.write('web', ts(i), text(i));
    await eventually(async () =>
      expect(await metricValue(t.metrics.pausedFollowers)).toBe(1),
    );
    // One in-flight batch plus at most one chunk beyond the limit.
    expect(t.budget.total).toBeLessThan(2_000 + 20 * 100 + 65_536);
    await eventually(
      async () =>
        expect(
          await metricValue(t.metrics.reconnects, { reason: 'stalled' }),
        ).toBe(1),
      5_000,
    );
    t.bus.release();
    await eventually(async () =>
      expect(await t.shipped()).toEqual(
        Array.from({ length: 300 }, (_, i) => text(i)),
      ),
    );
    expect(t.budget.total).toBe(0);
    await t.stopAll();
  });

  it('reads a terminated container to its end once, then waits', async () => {
    const t = setup();
    for (let i = 0; i < 10; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    t.follow({ ...running, state: 'terminated' });
    await eventually(async () =>
      expect(await t.shipped()).toEqual(lines(0, 10)),
    );
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(t.kubelet.requests).toHaveLength(1);
    expect(t.kubelet.requests[0].follow).toBe(false);
    await t.stopAll();
  });

  it('after a restart, drains the previous instance before following the new one', async () => {
    const t = setup();
    const follower = t.follow();
    for (let i = 0; i < 10; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () => expect(await t.shipped()).toHaveLength(10));
    // Lines written just before the crash may not have reached the stream.
    t.kubelet.restart('web');
    for (let i = 10; i < 15; i++) {
      (
        t.kubelet as unknown as { previousLogs: Map<string, unknown[]> }
      ).previousLogs
        .get('web')!
        .push({ timestamp: ts(i), text: `line ${i}` });
    }
    follower.update({ ...running, instance: 'c2', previousInstance: 'c1' });
    for (let i = 15; i < 20; i++) t.kubelet.write('web', ts(i), `line ${i}`);
    await eventually(async () =>
      expect(await t.shipped()).toEqual(lines(0, 20)),
    );
    expect(t.kubelet.requests.some(r => r.previous)).toBe(true);
    await t.stopAll();
  });

  it('waits with backoff while the container cannot serve logs yet', async () => {
    const t = setup();
    t.kubelet.refuse = new LogStreamError(
      400,
      'container "web" is waiting to start',
    );
    t.follow();
    await eventually(() =>
      expect(t.kubelet.requests.length).toBeGreaterThan(2),
    );
    t.kubelet.refuse = undefined;
    t.kubelet.write('web', ts(0), 'finally');
    await eventually(async () =>
      expect(await t.shipped()).toEqual(['finally']),
    );
    expect(
      await metricValue(t.metrics.reconnects, { reason: 'error' }),
    ).toBeGreaterThan(1);
    await t.stopAll();
  });

  it('splits long lines and counts the pieces', async () => {
    const t = setup({ maxLineBytes: 100 });
    t.kubelet.write('web', ts(0), 'L'.repeat(250));
    t.follow();
    await eventually(async () =>
      expect(await t.shipped()).toEqual([
        'L'.repeat(100),
        'L'.repeat(100),
        'L'.repeat(50),
      ]),
    );
    expect(await metricValue(t.metrics.linesSplit)).toBe(2);
    await t.stopAll();
  });
});
