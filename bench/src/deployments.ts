/*
 * (d) `POST /deployments` → 202 at 100 requests/s on PostgreSQL with the
 * outbox (deployServer.ts: the real router, ledger and outbox relay),
 * against `GET /deployments?entityRef=` of the same entity on the same
 * backend in the same run (auth, catalog, permission and one indexed read).
 * Open loop: requests start on schedule whether or not earlier ones ended,
 * so a slow backend shows as latency, not as a lower offered rate. GitHub
 * is answered by cannedGithub.ts.
 */
import {
  buildQueueName,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AmqpWorkQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import knexFactory from 'knex';
import { randomBytes } from 'node:crypto';
import { startCannedGithub } from './cannedGithub';
import { startServer } from './relay';
import { percentiles, quantile, sleep } from './stats';
import { BenchContext, BenchResult } from './types';

interface Phase {
  latencies: number[];
  failures: string[];
  /** Completed requests per second over the phase. */
  achieved: number;
}

/** Calls `request` `rate` times a second for `seconds`, open loop. */
async function openLoop(
  rate: number,
  seconds: number,
  request: () => Promise<void>,
): Promise<Phase> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const running: Promise<void>[] = [];
  const start = performance.now();
  for (let sent = 0; sent < rate * seconds; ) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < Math.min(due, rate * seconds); sent++) {
      const t0 = performance.now();
      running.push(
        request().then(
          () => {
            latencies.push(performance.now() - t0);
          },
          error => {
            // fetch's own message is 'fetch failed'; the cause says why.
            failures.push(
              error?.cause ? `${error}: ${error.cause}` : String(error),
            );
          },
        ),
      );
    }
    await sleep(2);
  }
  await Promise.all(running);
  const elapsed = (performance.now() - start) / 1000;
  return { latencies, failures, achieved: latencies.length / elapsed };
}

async function expect(response: Response, status: number) {
  const body = await response.text();
  if (response.status !== status) {
    throw new Error(`${response.status} ${body.slice(0, 200)}`);
  }
}

const ms = (v: number) => Number(v.toFixed(1));
const summary = (name: string, p: Phase) =>
  `${name} p50 ${ms(quantile(p.latencies, 0.5))} ms, p99 ${ms(
    quantile(p.latencies, 0.99),
  )} ms, ${p.achieved.toFixed(1)} req/s${
    p.failures.length ? `, ${p.failures.length} failed (${p.failures[0]})` : ''
  }`;

export async function deploymentsBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  // --quick only has to run: a low rate keeps it short on a loaded machine.
  const rate = ctx.quick ? 20 : 100;
  const seconds = ctx.quick ? 2 : 30;
  const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const database = `kli8nt_bench_${suffix}`;
  const cluster = `bench-${suffix}`;
  const repo = `bench/shop-${suffix}`;
  const admin = knexFactory({
    client: 'pg',
    connection: `${ctx.env.KLI8NT_TEST_PG_URL}/postgres`,
  });
  await admin.raw(`CREATE DATABASE ${database}`);
  const github = await startCannedGithub();
  // Plays the build controller: the outbox's requests are taken and dropped.
  const queue = await AmqpWorkQueue.create({
    config: {
      url: ctx.env.KLI8NT_TEST_AMQP_URL,
      exchange: 'kli8nt',
      deadLetterExchange: 'kli8nt.dlx',
      deadLetterQueue: 'kli8nt.dlq',
      deliveryLimit: 5,
      prefetch: 100,
      reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
    },
    parser: parseMessage,
    logger: { info() {}, warn() {}, error: console.error },
  });
  let published = 0;
  const consumer = await queue.consume(buildQueueName(cluster), async () => {
    published++;
  });
  const { child, port } = await startServer(
    require.resolve('./deployServer'),
    {
      ...ctx.env,
      BENCH_REPO: repo,
      BENCH_GITHUB_API: github.apiBaseUrl,
      BENCH_DATABASE: database,
      BENCH_CLUSTER: cluster,
    },
    ctx.profileDir,
  );
  try {
    const base = `http://127.0.0.1:${port}/api/kli8nt`;
    const entityRef = `component:default/${repo.split('/')[1]}`;
    const post = async () =>
      expect(
        await fetch(`${base}/deployments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entityRef }),
          signal: AbortSignal.timeout(30_000),
        }),
        202,
      );
    const get = async () =>
      expect(
        await fetch(
          `${base}/deployments?entityRef=${encodeURIComponent(
            entityRef,
          )}&limit=1`,
          { signal: AbortSignal.timeout(30_000) },
        ),
        200,
      );
    // Warm-up: connection pools, JIT, the catalog's first answer.
    ctx.log(`(d) warm-up: ${summary('POST', await openLoop(20, 1, post))}`);
    await openLoop(20, 1, get);
    ctx.log(`(d) ${rate} req/s for ${seconds} s: GET, then POST`);
    const gets = await openLoop(rate, seconds, get);
    ctx.log(`(d) ${summary('GET', gets)}`);
    const posts = await openLoop(rate, seconds, post);
    ctx.log(`(d) ${summary('POST', posts)}`);
    const accepted = posts.latencies.length + 20;
    for (let i = 0; i < 100 && published < accepted; i++) await sleep(100);
    const p99 = quantile(posts.latencies, 0.99);
    const baselineP99 = quantile(gets.latencies, 0.99);
    return {
      id: 'd',
      name: 'POST /deployments → 202 on PostgreSQL with the outbox',
      workload: `${rate} POST/s for ${seconds} s, open loop, one entity (every request takes its app's ledger row FOR UPDATE); backend in its own process, the test world's PostgreSQL and RabbitMQ`,
      baseline:
        'GET /deployments?entityRef= of the same entity, same rate (p99)',
      value: ms(p99),
      baselineValue: ms(baselineP99),
      unit: 'ms p99',
      ratio: Number((p99 / baselineP99).toFixed(2)),
      target: 'p99 ≤ 50 ms at 100 req/s',
      pass:
        p99 <= 50 &&
        posts.failures.length === 0 &&
        posts.achieved >= rate * 0.95,
      notes: [
        summary('POST', posts),
        summary('GET', gets),
        `outbox: ${published} of ${accepted} BuildRequested published to RabbitMQ within 10 s of the last 202`,
        `GitHub: a canned responder in the bench process (${github.requests()} calls), not the network`,
      ],
      distributions: {
        'd POST /deployments': percentiles(posts.latencies),
        'd GET /deployments': percentiles(gets.latencies),
      },
    };
  } finally {
    const exited = new Promise(ok => child.once('exit', ok));
    child.send({ type: 'stop' });
    await Promise.race([
      exited,
      sleep(10_000).then(() => child.kill('SIGKILL')),
    ]);
    await consumer.cancel();
    await queue.close();
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.destroy();
    github.close();
  }
}
