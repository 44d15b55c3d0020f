/*
 * `yarn chaos [--quick] [--seed=N]` (in bench/): the chaos run of issue #16.
 * Users deploy, cancel, change settings and delete 20 apps through the
 * portal's REST API while RabbitMQ, Kafka, the kube-apiserver, the backend
 * and each controller are SIGKILLed and started again at random; then,
 * with everything up, it waits for the work to settle and checks that
 * every accepted deployment ended, each app serves what its latest
 * surviving request asked for, no Job or final report is doubled. Prints
 * the figures, writes them to results/chaos/, exits non-zero on any
 * violation. Needs `scripts/testenv/testenv up postgres rabbitmq kafka k8s github`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, stoppedServices, testWorld } from '../env';
import { BuildPlayer } from './buildPlayer';
import { check, deploymentRows, unfinished } from './checks';
import { Component } from './components';
import { figures } from './figures';
import { PlainKube } from '../kube';
import { Portal } from './portal';
import { Random } from './random';
import { Workload } from './workload';
import { APPS_NS, BUILD_NS, ChaosWorld, startWorld, stopWorld } from './world';

const NEEDED = [
  'KUBECONFIG',
  'KLI8NT_TEST_PG_URL',
  'KLI8NT_TEST_AMQP_URL',
  'KLI8NT_TEST_KAFKA_BROKERS',
  'KLI8NT_TEST_GITHUB_API',
  'KLI8NT_TEST_GITHUB_HOST',
  'KLI8NT_TEST_GITHUB_APP_ID',
  'KLI8NT_TEST_GITHUB_APP_KEY_FILE',
  'KLI8NT_TEST_GIT_ROOT',
  'KLI8NT_TEST_REGISTRY',
  'KLI8NT_TESTENV_RUN',
  'KLI8NT_TESTENV_BIN',
];
const SERVICES = [
  'postgres',
  'rabbitmq',
  'kafka',
  'kube-apiserver',
  'kwok',
  'github',
];

/** The world of this run, stopped on an error or a signal. */
let running: ChaosWorld | undefined;
async function stopOnSignal() {
  if (running) await stopWorld(running);
  process.exit(130);
}
process.on('SIGINT', stopOnSignal);
process.on('SIGTERM', stopOnSignal);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const log = (m: string) =>
  console.error(`chaos ${new Date().toISOString().slice(11, 19)} ${m}`);

/** Kills every component `rounds` times in a random order, one at a time. */
async function chaos(components: Component[], rounds: number, random: Random) {
  const order = Array.from({ length: rounds }, () =>
    [...components].sort(() => random.next() - 0.5),
  ).flat();
  const downtime: Record<string, number> = {};
  for (const c of order) {
    await sleep(random.between(3_000, 10_000));
    log(`SIGKILL ${c.name}`);
    const t = Date.now();
    await c.kill();
    await sleep(random.between(2_000, 8_000));
    await c.start();
    downtime[c.name] = (downtime[c.name] ?? 0) + (Date.now() - t);
    log(`${c.name} back after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return downtime;
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const seed = Number(
    args.find(a => a.startsWith('--seed='))?.slice(7) ?? Date.now() % 1e6,
  );
  const plan = quick
    ? { deploys: 60, rounds: 1, quiesceMs: 600_000 }
    : { deploys: 200, rounds: 2, quiesceMs: 900_000 };
  const stopped = stoppedServices(SERVICES);
  if (stopped.length > 0) {
    throw new Error(
      `The test world is not up (${stopped.join(
        ', ',
      )} stopped): run scripts/testenv/testenv up ${SERVICES.join(
        ' ',
      )} (same KLI8NT_TESTENV_RUN and _PORT_OFFSET)`,
    );
  }
  const env = testWorld(NEEDED);
  // testenv's PATH line is a shell expression: put its bin dir first here.
  delete env.PATH;
  process.env.PATH = `${env.KLI8NT_TESTENV_BIN}:${process.env.PATH}`;
  env.KLI8NT_TESTENV_PORT_OFFSET =
    process.env.KLI8NT_TESTENV_PORT_OFFSET ?? '0';
  const random = new Random(seed);
  log(
    `seed ${seed}, ${plan.deploys} deploys over 20 apps, ${plan.rounds} kill round(s)`,
  );

  const started = Date.now();
  const world = await startWorld(env, 20, log);
  running = world;
  // Fail fast while the apiserver is down: the player retries next tick.
  const kube = new PlainKube(env.KUBECONFIG, 16, 10_000);
  const player = new BuildPlayer(kube, BUILD_NS, new Random(seed + 1));
  player.start();
  const workload = new Workload(
    new Portal(world.backendUrl),
    world.apps,
    new Random(seed + 2),
  );
  let chaosDone = false;
  // Users go on until the chaos is over and enough deploys were accepted.
  const deadline = Date.now() + 40 * 60_000;
  const users = workload.run(
    () =>
      Date.now() > deadline ||
      (chaosDone && workload.count('deploy', 'accepted') >= plan.deploys),
  );
  const chaosStart = Date.now();
  let downtime: Record<string, number> = {};
  try {
    downtime = await chaos(world.components, plan.rounds, random);
  } finally {
    chaosDone = true;
  }
  await users;
  const chaosEnd = Date.now();
  log(
    `chaos over after ${((chaosEnd - chaosStart) / 1000).toFixed(
      0,
    )} s; waiting for the work to settle`,
  );

  let quiesceMs: number | undefined;
  while (Date.now() - chaosEnd < plan.quiesceMs) {
    try {
      const left = unfinished(await deploymentRows(env.KLI8NT_TEST_PG_URL));
      if (left.length === 0 && player.pending === 0) {
        quiesceMs = Date.now() - chaosEnd;
        break;
      }
    } catch {
      // the database is never killed; a failing query is retried anyway
    }
    await sleep(2000);
  }
  // Let a late duplicate (a redelivery, a second Job) show itself.
  await sleep(10_000);
  const result = await check({
    pgUrl: env.KLI8NT_TEST_PG_URL,
    kube,
    appsNamespace: APPS_NS,
    workload,
    player,
  });
  await player.stop();
  kube.close();
  const report = figures({
    seed,
    quick,
    wallMs: Date.now() - started,
    chaosMs: chaosEnd - chaosStart,
    quiesceMs,
    quiesceLimitMs: plan.quiesceMs,
    components: world.components,
    downtime,
    workload,
    player,
    ...result,
  });
  console.log(report.markdown);
  const dir = join(BENCH_DIR, quick ? 'results/quick' : 'results/chaos');
  mkdirSync(dir, { recursive: true });
  const name = new Date().toISOString().slice(0, 16).replace(':', '');
  writeFileSync(join(dir, `chaos-${name}.md`), report.markdown);
  writeFileSync(
    join(dir, `chaos-${name}.json`),
    JSON.stringify(report.json, null, 2),
  );
  log(`logs: ${world.dir}/logs; figures: ${dir}/chaos-${name}.md`);
  if (!args.includes('--keep')) await stopWorld(world);
  process.exit(result.violations.length > 0 ? 1 : 0);
}

main().catch(async error => {
  console.error(error);
  if (running) await stopWorld(running);
  process.exit(2);
});
