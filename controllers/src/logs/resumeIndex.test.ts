import { LogBusRecord } from '@kli8nt/backstage-plugin-kli8nt-node';
import { contentHash } from './resume';
import { KafkaResumeIndex } from './resumeIndex';
import { FlakyBusClient, topicSettings } from './__testUtils__/fakes';

const TOPIC = 'kli8nt.logs.shop';
const NOW = Date.parse('2024-05-01T12:00:00Z');

function record(
  pod: string,
  container: string,
  timestamp: string,
  value: string,
): LogBusRecord {
  return {
    key: `${pod}/${container}`,
    value,
    headers: { deploymentId: '', source: 'runtime', pod, container, timestamp },
    timestamp: Date.parse(timestamp),
  };
}

function setup() {
  const bus = new FlakyBusClient();
  const index = new KafkaResumeIndex({
    client: bus,
    topicSettings,
    lookbackMs: 3_600_000,
    now: () => NOW,
  });
  const lookUp = (
    pod: string,
    container: string,
    notBeforeMs = NOW - 600_000,
  ) => index.resumePoint({ app: 'shop', pod, container, notBeforeMs });
  return { bus, index, lookUp };
}

describe('KafkaResumeIndex', () => {
  it('knows nothing of a container that shipped nothing (and creates the topic)', async () => {
    const { bus, lookUp } = setup();
    await expect(lookUp('p', 'web')).resolves.toBeUndefined();
    await expect(bus.inner.partitionOffsets(TOPIC)).resolves.toHaveLength(2);
  });

  it('finds the last timestamp and the contents shipped at it, per container', async () => {
    const { bus, lookUp } = setup();
    await bus.inner.ensureTopic(TOPIC, topicSettings);
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:00.000000001Z', 'a'),
      record('p', 'web', '2024-05-01T11:59:01.000000000Z', 'b'),
      record('p', 'side', '2024-05-01T11:59:05.000000000Z', 'x'),
      record('p', 'web', '2024-05-01T11:59:01.000000000Z', 'b'),
      record('p', 'web', '2024-05-01T11:59:01.000000000Z', 'c'),
    ]);
    const point = await lookUp('p', 'web');
    expect(point?.timestamp).toBe('2024-05-01T11:59:01.000000000Z');
    expect(point?.shippedAt).toEqual(
      new Map([
        [contentHash('b'), 2],
        [contentHash('c'), 1],
      ]),
    );
    expect((await lookUp('p', 'side'))?.timestamp).toBe(
      '2024-05-01T11:59:05.000000000Z',
    );
  });

  it('catches up with records written since the last look-up', async () => {
    const { bus, lookUp } = setup();
    await bus.inner.ensureTopic(TOPIC, topicSettings);
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:00.000000000Z', 'a'),
    ]);
    await lookUp('p', 'web');
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:00.000000000Z', 'a'),
      record('p', 'web', '2024-05-01T11:59:02.000000000Z', 'z'),
    ]);
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:02.000000000Z', 'z'),
    ]);
    const point = await lookUp('p', 'web');
    expect(point?.timestamp).toBe('2024-05-01T11:59:02.000000000Z');
    expect(point?.shippedAt.get(contentHash('z'))).toBe(2);
  });

  it('looks further back, to the pod creation, for a quiet container', async () => {
    const { bus, lookUp } = setup();
    await bus.inner.ensureTopic(TOPIC, topicSettings);
    await bus.inner.produce(TOPIC, [
      record('old', 'web', '2024-05-01T08:00:00.000000000Z', 'long ago'),
      record('new', 'web', '2024-05-01T11:50:00.000000000Z', 'recent'),
    ]);
    expect((await lookUp('new', 'web'))?.timestamp).toBe(
      '2024-05-01T11:50:00.000000000Z',
    );
    await expect(
      lookUp('old', 'web', Date.parse('2024-05-01T11:30:00Z')),
    ).resolves.toBeUndefined();
    expect(
      (await lookUp('old', 'web', Date.parse('2024-05-01T07:59:00Z')))
        ?.timestamp,
    ).toBe('2024-05-01T08:00:00.000000000Z');
  });

  it('fails while Kafka is down and works again afterwards', async () => {
    const { bus, lookUp } = setup();
    await bus.inner.ensureTopic(TOPIC, topicSettings);
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:00.000000000Z', 'a'),
    ]);
    bus.mode = 'down';
    await expect(lookUp('p', 'web')).rejects.toThrow('broker down');
    bus.mode = 'up';
    expect((await lookUp('p', 'web'))?.shippedAt.get(contentHash('a'))).toBe(1);
  });

  it('forgets a pod that is gone', async () => {
    const { bus, index, lookUp } = setup();
    await bus.inner.ensureTopic(TOPIC, topicSettings);
    await bus.inner.produce(TOPIC, [
      record('p', 'web', '2024-05-01T11:59:00.000000000Z', 'a'),
    ]);
    await lookUp('p', 'web');
    index.forget('shop', 'p');
    const internal = index as unknown as {
      indexes: Map<string, { points: Map<string, unknown> }>;
    };
    expect(internal.indexes.get('shop')?.points.size).toBe(0);
  });
});
