/*
 * Produce and replay throughput of the two Kafka client adapters against the
 * same broker in one run. Usage:
 *   KLI8NT_TEST_KAFKA_BROKERS=host:port yarn workspace @kli8nt/backstage-plugin-kli8nt-node bench [lines] [rounds]
 * Figures are msgs/s and ratios against kafkajs (the baseline) measured in
 * the same run, so machine speed cancels out.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  KafkaClientKind,
  KafkaJsLogBusClient,
  LogBusClient,
  LogBusRecord,
  PlatformaticLogBusClient,
} from '@kli8nt/backstage-plugin-kli8nt-node';

const brokers = (process.env.KLI8NT_TEST_KAFKA_BROKERS ?? '').split(',');
const lines = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 3);
const batchSize = 500;
const settings = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 3_600_000,
  retentionBytes: 1024 ** 3,
  segmentMs: 3_600_000,
};

function makeClient(kind: KafkaClientKind): LogBusClient {
  const options = { brokers, clientId: `kli8nt-bench-${kind}` };
  return kind === 'kafkajs'
    ? new KafkaJsLogBusClient(options)
    : new PlatformaticLogBusClient(options);
}

function records(count: number): LogBusRecord[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    key: `pod-${i % 4}/web`,
    value: `${new Date(
      now,
    ).toISOString()} INFO request ${i} handled in 12ms path=/api/items/${i} status=200`,
    headers: {
      deploymentId: '00000000-0000-4000-8000-000000000001',
      source: 'runtime',
      container: 'web',
      timestamp: new Date(now).toISOString(),
    },
    timestamp: now,
  }));
}

async function measure(kind: KafkaClientKind, topic: string) {
  const client = makeClient(kind);
  try {
    await client.ensureTopic(topic, settings);
    const data = records(lines);
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += batchSize) {
      await client.produce(topic, data.slice(i, i + batchSize));
    }
    const produceMs = performance.now() - t0;

    let seen = 0;
    const t1 = performance.now();
    await new Promise<void>((resolve, reject) => {
      let reader: { close(): Promise<void> } | undefined;
      client
        .read(
          topic,
          new Map([[0, '0']]),
          batch => {
            seen += batch.length;
            if (seen >= lines) resolve();
          },
          reject,
        )
        .then(r => {
          reader = r;
        }, reject);
      return reader;
    });
    const replayMs = performance.now() - t1;
    return {
      produce: lines / (produceMs / 1000),
      replay: lines / (replayMs / 1000),
    };
  } finally {
    await client.close();
  }
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!brokers[0]) throw new Error('Set KLI8NT_TEST_KAFKA_BROKERS');
  const kinds: KafkaClientKind[] = ['kafkajs', 'platformatic'];
  const results: Record<string, { produce: number[]; replay: number[] }> = {
    kafkajs: { produce: [], replay: [] },
    platformatic: { produce: [], replay: [] },
  };
  const topics: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const topic = `kli8nt.bench.${kind}.${randomBytes(4).toString('hex')}`;
      topics.push(topic);
      const r = await measure(kind, topic);
      results[kind].produce.push(r.produce);
      results[kind].replay.push(r.replay);
      console.log(
        `round ${round + 1} ${kind}: produce ${Math.round(
          r.produce,
        )} msgs/s, replay ${Math.round(r.replay)} msgs/s`,
      );
    }
  }
  const base = {
    produce: median(results.kafkajs.produce),
    replay: median(results.kafkajs.replay),
  };
  console.log(
    `\n${lines} lines x ${rounds} rounds, medians (baseline kafkajs = 1.00):`,
  );
  for (const kind of kinds) {
    const produce = median(results[kind].produce);
    const replay = median(results[kind].replay);
    console.log(
      `${kind.padEnd(13)} produce ${Math.round(produce)} msgs/s (${(
        produce / base.produce
      ).toFixed(2)}x)  replay ${Math.round(replay)} msgs/s (${(
        replay / base.replay
      ).toFixed(2)}x)`,
    );
  }
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
