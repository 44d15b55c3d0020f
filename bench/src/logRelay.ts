/*
 * Log relay benchmarks (issue #18 a–c): Kafka → the backend's logs
 * WebSocket, against a raw consumer of the same topic on the same broker
 * in the same run. The relay runs in its own process (relayServer.ts);
 * the producer, raw consumer and viewers run here, on the same clock.
 */
import { ConfigReader } from '@backstage/config';
import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  LogBusClient,
  LogBusRecord,
  createLogBusClient,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { Relay, Viewer, latencyOf, now } from './relay';
import { median, percentiles, quantile, sleep, until } from './stats';
import { BenchContext, BenchResult } from './types';

export const TOPIC = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 3_600_000,
  retentionBytes: 1024 ** 3,
  segmentMs: 3_600_000,
};

let seq = 0;
export function records(count: number): LogBusRecord[] {
  const t = now();
  const iso = new Date(t).toISOString();
  return Array.from({ length: count }, () => {
    seq++;
    return {
      key: 'web-7d9f-abcde/web',
      value: `t=${t.toFixed(
        3,
      )} seq=${seq} INFO GET /api/items/${seq} 200 12ms`.padEnd(120, ' .'),
      headers: {
        deploymentId: '00000000-0000-4000-8000-000000000001',
        source: 'runtime',
        pod: 'web-7d9f-abcde',
        container: 'web',
        timestamp: iso,
      },
      timestamp: Math.floor(t),
    };
  });
}

/**
 * Produces `rate` lines/s for `seconds`, in 10 ms ticks with up to 4
 * requests in flight (one at a time cannot reach 10k lines/s with acks=all
 * on a loaded machine); returns the lines sent.
 */
export async function produceAt(
  client: LogBusClient,
  topic: string,
  rate: number,
  seconds: number,
): Promise<number> {
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) break;
    const due = Math.min(1000, Math.floor((elapsed / 1000) * rate) - sent);
    if (due > 0 && inFlight.size < 4) {
      const request = client.produce(topic, records(due));
      inFlight.add(request);
      request.finally(() => inFlight.delete(request)).catch(() => undefined);
      sent += due;
    }
    await sleep(Math.max(1, 10 - ((performance.now() - start) % 10)));
  }
  await Promise.all(inFlight);
  return sent;
}

/** A raw consumer from the end of the topic: counts lines, times each. */
async function rawConsumer(client: LogBusClient, topic: string) {
  const [{ high }] = await client.partitionOffsets(topic);
  const state = { lines: 0, latencies: [] as number[], firstAt: 0, lastAt: 0 };
  const reader = await client.read(
    topic,
    new Map([[0, high]]),
    batch => {
      state.lastAt = performance.now();
      if (state.lines === 0) state.firstAt = state.lastAt;
      for (const record of batch) {
        state.lines++;
        const latency = latencyOf(record.value);
        if (latency !== undefined) state.latencies.push(latency);
      }
    },
    error => {
      throw error;
    },
  );
  return { state, reader };
}

/** Opens viewers and waits until each gets live lines (it has joined). */
async function openViewers(
  relay: Relay,
  client: LogBusClient,
  topic: string,
  count: number,
  sampleEvery: number,
): Promise<Viewer[]> {
  const viewers = Array.from(
    { length: count },
    () => new Viewer(relay.url('tail=0'), sampleEvery),
  );
  await Promise.all(viewers.map(v => v.opened));
  const deadline = Date.now() + 30_000;
  while (viewers.some(v => v.lines === 0)) {
    if (Date.now() > deadline) throw new Error('viewers did not join');
    await client.produce(topic, records(1));
    await sleep(100);
  }
  await sleep(300);
  for (const v of viewers) v.reset();
  return viewers;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const mb = (bytes: number) => round(bytes / 1024 ** 2, 1);

export async function logRelayBenchmarks(
  ctx: BenchContext,
  wants: (id: string) => boolean,
): Promise<BenchResult[]> {
  const app = `bench-${randomBytes(3).toString('hex')}`;
  const topic = logTopicName(app);
  const config = readKli8ntNodeConfig(
    new ConfigReader({
      kli8nt: {
        kafka: {
          brokers: ctx.env.KLI8NT_TEST_KAFKA_BROKERS.split(','),
          clientId: 'kli8nt-bench-probe',
        },
      },
    }),
  );
  const quiet = { info() {}, warn() {}, error: console.error };
  const producer = createLogBusClient({ config, logger: quiet });
  const consumer = createLogBusClient({ config, logger: quiet });
  await producer.ensureTopic(topic, TOPIC);
  const relay = await Relay.start({
    env: ctx.env,
    app,
    cpuProfileDir: ctx.profileDir,
  });
  const results: BenchResult[] = [];
  try {
    if (wants('a')) {
      results.push(await throughput(ctx, relay, producer, consumer, topic));
    }
    if (wants('b')) results.push(await fanOut(ctx, relay, producer, topic));
    if (wants('c')) {
      results.push(await frameLatency(ctx, relay, producer, consumer, topic));
    }
  } finally {
    await relay.stop();
    await producer.close();
    await consumer.close();
  }
  return results;
}

/**
 * (a) A burst of N lines produced as fast as the producer can, followed
 * live by one WebSocket client and a raw consumer at once: each side's
 * rate from its first line to its last.
 */
async function throughput(
  ctx: BenchContext,
  relay: Relay,
  producer: LogBusClient,
  consumer: LogBusClient,
  topic: string,
): Promise<BenchResult> {
  const total = ctx.quick ? 30_000 : 100_000;
  const rounds = ctx.quick ? 1 : 3;
  const raw: number[] = [];
  const ws: number[] = [];
  const produced: number[] = [];
  let dropped = 0;
  for (let r = 0; r < rounds; r++) {
    const [viewer] = await openViewers(relay, producer, topic, 1, 1000);
    const rawState = await rawConsumer(consumer, topic);
    await sleep(500);
    Object.assign(rawState.state, { lines: 0, firstAt: 0, lastAt: 0 });
    const t0 = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i += 1000) {
      if (inFlight.size >= 4) await Promise.race(inFlight);
      const request = producer.produce(topic, records(1000));
      inFlight.add(request);
      request.finally(() => inFlight.delete(request)).catch(() => undefined);
    }
    await Promise.all(inFlight);
    produced.push(total / ((performance.now() - t0) / 1000));
    await until(
      'both clients to get the burst',
      () =>
        viewer.lines + viewer.dropped >= total && rawState.state.lines >= total,
      120_000,
    );
    const { firstAt, lastAt } = rawState.state;
    raw.push(total / ((lastAt - firstAt) / 1000));
    ws.push(total / ((viewer.lastAt - viewer.firstAt) / 1000));
    dropped += viewer.dropped;
    ctx.log(
      `(a) round ${r + 1}: ws ${Math.round(ws[r])}, raw ${Math.round(
        raw[r],
      )} lines/s`,
    );
    viewer.close();
    await rawState.reader.close();
  }
  const value = median(ws);
  const baselineValue = median(raw);
  const ratio = value / baselineValue;
  return {
    id: 'a',
    name: 'log relay Kafka → WebSocket, one client',
    workload: `a burst of ${total} lines (120 B) followed live; median of ${rounds}`,
    baseline:
      'raw consumer of the same topic at the same time (same client library, same broker)',
    value: Math.round(value),
    baselineValue: Math.round(baselineValue),
    unit: 'lines/s',
    ratio: round(ratio),
    target: '≥ 0.9×',
    pass: ratio >= 0.9 && dropped === 0,
    notes: [
      `each side's rate from its first line to its last; producer reached ${Math.round(
        median(produced),
      )} lines/s`,
      `${dropped} lines dropped for the client`,
    ],
  };
}

/** (b) 200 viewers vs 1 at 1k lines/s: per-viewer rate, readers, RSS. */
async function fanOut(
  ctx: BenchContext,
  relay: Relay,
  producer: LogBusClient,
  topic: string,
): Promise<BenchResult> {
  const rate = 1000;
  const seconds = ctx.quick ? 4 : 15;
  const many = 200;
  const phase = async (count: number) => {
    const viewers = await openViewers(
      relay,
      producer,
      topic,
      count,
      count > 1 ? 20 : 1,
    );
    const before = await relay.stats();
    const t0 = performance.now();
    const sent = await produceAt(producer, topic, rate, seconds);
    await sleep(1000);
    const after = await relay.stats();
    const busy = (after.cpuMs - before.cpuMs) / (performance.now() - t0);
    const rates = viewers.map(v => v.lines / seconds);
    const latencies = viewers.flatMap(v => v.latencies);
    const complete = viewers.filter(v => v.lines === sent).length;
    for (const v of viewers) v.close();
    await sleep(500);
    return { sent, rates, latencies, complete, before, after, busy };
  };
  const base = await relay.stats();
  const one = await phase(1);
  ctx.log(`(b) 1 viewer: ${one.rates[0]} lines/s`);
  const all = await phase(many);
  ctx.log(`(b) ${many} viewers: median ${median(all.rates)} lines/s`);
  // Shares of the produced lines, so that a producer slowed by the probe's
  // own 200 sockets (same process, same 2 cores) does not count against
  // the relay.
  const shares = all.rates.map(r => (100 * r * seconds) / all.sent);
  const value = median(shares);
  const baselineValue = (100 * one.rates[0] * seconds) / one.sent;
  const ratio = value / baselineValue;
  const readers = all.after.reads - all.before.reads;
  return {
    id: 'b',
    name: `fan-out: ${many} WebSocket viewers of one app`,
    workload: `${rate} lines/s offered for ${seconds} s; the share of the lines each viewer got within 1 s of the end`,
    baseline: '1 viewer, same rate, same relay',
    value: round(value, 1),
    baselineValue: round(baselineValue, 1),
    unit: '% of lines per viewer (median)',
    ratio: round(ratio),
    target: 'one Kafka consumer serves all; ≥ 0.8×; RSS growth reported',
    pass: ratio >= 0.8 && readers === 0,
    notes: [
      `lines produced: ${one.sent} (1 viewer), ${all.sent} (${many} viewers; the producer shares the probe process and 2 cores with the viewers)`,
      `${
        all.complete
      }/${many} viewers got every line; per-viewer rate median ${round(
        median(all.rates),
        1,
      )} lines/s, slowest ${round(
        Math.min(...all.rates),
        1,
      )} (1 viewer: ${round(one.rates[0], 1)})`,
      `relay CPU while streaming: ${Math.round(
        100 * one.busy,
      )} % of a core with 1 viewer, ${Math.round(
        100 * all.busy,
      )} % with ${many} (CPU used, not wanted: on a loaded machine every process gets less)`,
      `Kafka readers opened for the ${many} viewers: ${readers} (the app's one tail reader was already open)`,
      `latency p50/p99: 1 viewer ${round(
        quantile(one.latencies, 0.5),
        1,
      )}/${round(quantile(one.latencies, 0.99), 1)} ms, ${many} viewers ${round(
        quantile(all.latencies, 0.5),
        1,
      )}/${round(quantile(all.latencies, 0.99), 1)} ms`,
      `relay RSS: ${mb(base.rss)} MB at start, ${mb(
        all.before.rss,
      )} MB with ${many} viewers connected, ${mb(
        all.after.rss,
      )} MB after streaming (+${mb(
        all.after.rss - one.after.rss,
      )} MB over 1 viewer)`,
    ],
    distributions: {
      '(b) 1 viewer': percentiles(one.latencies),
      [`(b) ${many} viewers`]: percentiles(all.latencies),
    },
  };
}

/** (c) produce → frame latency at 10k lines/s vs produce → raw consumer. */
async function frameLatency(
  ctx: BenchContext,
  relay: Relay,
  producer: LogBusClient,
  consumer: LogBusClient,
  topic: string,
): Promise<BenchResult> {
  const rate = 10_000;
  const seconds = ctx.quick ? 3 : 10;
  const [viewer] = await openViewers(relay, producer, topic, 1, 1);
  const raw = await rawConsumer(consumer, topic);
  await sleep(500);
  raw.state.lines = 0;
  raw.state.latencies = [];
  const sent = await produceAt(producer, topic, rate, seconds);
  await until(
    'all lines at both clients',
    () => viewer.lines + viewer.dropped >= sent && raw.state.lines >= sent,
    30_000,
  ).catch(error => ctx.log(`(c) ${error.message}`));
  await raw.reader.close();
  viewer.close();
  const p99 = quantile(viewer.latencies, 0.99);
  const rawP99 = quantile(raw.state.latencies, 0.99);
  const ratio = p99 / rawP99;
  return {
    id: 'c',
    name: 'produce → WebSocket frame latency at 10k lines/s',
    workload: `${sent} lines at ${Math.round(
      sent / seconds,
    )} lines/s for ${seconds} s, one viewer and one raw consumer at once`,
    baseline: 'produce → raw consumer (same client library, same broker)',
    value: round(p99, 1),
    baselineValue: round(rawP99, 1),
    unit: 'ms p99',
    ratio: round(ratio),
    target: 'p99 ≤ 100 ms and ≤ 2× raw p99',
    pass: p99 <= 100 && ratio <= 2 && viewer.lines === sent,
    notes: [
      `p50: WebSocket ${round(median(viewer.latencies), 1)} ms, raw ${round(
        median(raw.state.latencies),
        1,
      )} ms`,
      `viewer got ${viewer.lines}/${sent} lines (${viewer.dropped} dropped), raw ${raw.state.lines}`,
    ],
    distributions: {
      '(c) WebSocket': percentiles(viewer.latencies),
      '(c) raw consumer': percentiles(raw.state.latencies),
    },
  };
}
