/*
 * `yarn bench [--quick] [--only a,b] [--profile]`: every benchmark with its
 * baseline in the same run, as ratios (see issue #18). Needs the test
 * world: `scripts/testenv/testenv up` (with the same KLI8NT_TESTENV_RUN /
 * _PORT_OFFSET). --quick is for CI: short workloads, asserts nothing about
 * speed (exits non-zero only when a benchmark cannot run at all).
 */
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { BENCH_DIR, stoppedServices, testWorld } from './env';
import { clickToLiveBenchmark } from './clickToLive';
import { deploymentsBenchmark } from './deployments';
import { detectorBenchmark } from './detector';
import { inClusterBuildBenchmark } from './inClusterBuild';
import { podLogsBenchmark } from './podLogs';
import { logRelayBenchmarks } from './logRelay';
import { logsTabBenchmark } from './logsTab';
import { reconcileBenchmark } from './reconcile';
import { Run, markdown, writeRun } from './report';
import { BenchContext, BenchResult } from './types';

/** What each benchmark needs up in the test world, and how it runs. */
const BENCHMARKS: Array<{
  ids: string[];
  services: string[];
  env: string[];
  run: (
    ctx: BenchContext,
    wants: (id: string) => boolean,
  ) => Promise<BenchResult[]>;
}> = [
  {
    ids: ['a', 'b', 'c'],
    services: ['kafka'],
    env: ['KLI8NT_TEST_KAFKA_BROKERS'],
    run: logRelayBenchmarks,
  },
  {
    ids: ['d'],
    services: ['postgres', 'rabbitmq'],
    env: ['KLI8NT_TEST_PG_URL', 'KLI8NT_TEST_AMQP_URL'],
    run: async ctx => [await deploymentsBenchmark(ctx)],
  },
  {
    ids: ['f'],
    services: ['kafka', 'kube-apiserver', 'containerd', 'kubelet'],
    env: [
      'KUBECONFIG',
      'KLI8NT_TEST_KAFKA_BROKERS',
      'KLI8NT_TEST_BUSYBOX_IMAGE',
    ],
    run: async ctx => [await podLogsBenchmark(ctx)],
  },
  {
    ids: ['g'],
    services: ['rabbitmq', 'kube-apiserver', 'kube-controller-manager'],
    env: ['KUBECONFIG', 'KLI8NT_TEST_AMQP_URL', 'KLI8NT_TESTENV_BIN'],
    run: async ctx => [await reconcileBenchmark(ctx)],
  },
  {
    ids: ['e'],
    services: [],
    env: [],
    run: async ctx => [await detectorBenchmark(ctx)],
  },
  {
    ids: ['h'],
    // It runs scripts/platform up itself (clickToLive.ts).
    services: [],
    env: [],
    run: async ctx => [await clickToLiveBenchmark(ctx)],
  },
  {
    ids: ['i'],
    services: [
      'rabbitmq',
      'kube-apiserver',
      'kubelet',
      'github',
      'egress-proxy',
    ],
    // The real-build helpers read the whole test world from the environment.
    env: ['KUBECONFIG', 'KLI8NT_TEST_REAL_NODE', 'KLI8NT_TEST_GITHUB_API'],
    run: inClusterBuildBenchmark,
  },
  {
    ids: ['j'],
    services: ['kafka'],
    env: ['KLI8NT_TEST_KAFKA_BROKERS'],
    run: async ctx => [await logsTabBenchmark(ctx)],
  },
];

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find(a => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const wants = (id: string) => !only || only.includes(id);
  // Quick runs (CI) go to results/quick/, which git ignores.
  const dir = resolve(BENCH_DIR, quick ? 'results/quick' : 'results');
  const chosen = BENCHMARKS.filter(b => b.ids.some(wants));
  const stopped = stoppedServices([
    ...new Set(chosen.flatMap(b => b.services)),
  ]);
  if (stopped.length > 0) {
    throw new Error(
      `The test world is not up (${stopped.join(
        ', ',
      )} stopped): run scripts/testenv/testenv up (same KLI8NT_TESTENV_RUN and KLI8NT_TESTENV_PORT_OFFSET), then yarn bench again`,
    );
  }
  const env = testWorld([...new Set(chosen.flatMap(b => b.env))]);
  const ctx: BenchContext = {
    quick,
    env,
    profileDir: args.includes('--profile')
      ? resolve(BENCH_DIR, 'results/profiles')
      : undefined,
    log: message => console.error(`bench: ${message}`),
  };
  const run: Run = {
    date: new Date().toISOString().slice(0, 16).replace(':', ''),
    quick,
    machine: {
      cpus: cpus().length,
      uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(),
      loadBefore: loadavg(),
      loadAfter: [],
    },
    results: [],
    skipped: [],
  };
  // One that cannot run is noted and the others still run; the exit code
  // says so at the end (--quick in CI fails on it).
  let failed = 0;
  for (const benchmark of chosen) {
    try {
      run.results.push(...(await benchmark.run(ctx, wants)));
    } catch (error) {
      failed++;
      ctx.log(`(${benchmark.ids.join(', ')}) failed: ${error}`);
      run.skipped.push({
        id: benchmark.ids.filter(wants).join(', '),
        name: 'failed',
        reason: String(error),
      });
    }
  }
  run.machine.loadAfter = loadavg();
  const path = writeRun(dir, run);
  console.log(markdown(run));
  ctx.log(`wrote ${path} (.json, .svg)`);
  if (failed > 0) throw new Error(`${failed} benchmark(s) could not run`);
}

main().then(
  () => process.exit(0),
  error => {
    const inner = (error as { errors?: unknown[] }).errors ?? [];
    console.error(
      `bench: ${error instanceof Error ? error.message : error}`,
      ...inner,
    );
    process.exit(1);
  },
);
