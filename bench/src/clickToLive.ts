/*
 * (h) Click → live on the local platform (scripts/platform: the test
 * world, the example repositories, the build, deploy and logs controllers
 * as processes; BuildKit and the apps on the real node, TLS through the
 * ingress) with the real portal backend (packages/backend, not the
 * frontend) against the platform's generated config, as scripts/e2e.sh
 * runs the portal. Each example of examples/apps is deployed through
 * `POST /api/kli8nt/deployments` as the guest user, waited for until live,
 * and fetched over HTTPS (certificate checked against the apps CA). The
 * ledger's timestamps split each click (clickSplit.ts); the baseline is the
 * build and the rollout themselves, the figure what is left: the platform's
 * queueing, message hops and decisions.
 *
 * A full run deploys every example twice (first: this run's first build,
 * with whatever layer cache earlier runs left; second: the same commit
 * again, warm) and the static site 4 times more, for a distribution.
 * --quick deploys the static site once. KLI8NT_BENCH_EXAMPLES picks
 * examples (comma-separated names of examples/apps).
 */
// @internal/testenv resolves from the workspace (see inClusterBuild.ts).
// eslint-disable-next-line @backstage/no-undeclared-imports
import { getThroughIngress } from '@internal/testenv';
import { isTerminalStatus } from '@kli8nt/backstage-plugin-kli8nt-common';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessComponent } from './chaos/components';
import { Portal, entityRef } from './chaos/portal';
import {
  ClickSplit,
  RecordedDeployment,
  describeSplit,
  secondsQuantiles,
  splitClickToLive,
} from './clickSplit';
import { ROOT, testWorld } from './env';
import { percentiles, sleep } from './stats';
import { BenchContext, BenchResult } from './types';

const exec = promisify(execFile);
const PLATFORM = join(ROOT, 'scripts/platform/platform');
const MINUTE = 60_000;
/** examples/apps and their stacks. */
const EXAMPLES: Record<string, string> = {
  storefront: 'node',
  'orders-api': 'python',
  inventory: 'go',
  billing: 'java',
  'docs-site': 'static',
};
const STATIC = 'docs-site';
const STATIC_EXTRA_DEPLOYS = 4;
/** A cold Maven build on 2 busy cores takes minutes. */
const DEPLOY_TIMEOUT_MS = 25 * MINUTE;
const SERVE_TIMEOUT_MS = MINUTE;
const CATALOG_TIMEOUT_MS = 3 * MINUTE;
const TARGET = { p50: 2, p99: 5 };

interface Click {
  app: string;
  label: string;
  split: ClickSplit;
  /** Live recorded → the URL answered with the app's own body. */
  servedAfter: number;
}

async function platform(...args: string[]): Promise<string> {
  const { stdout } = await exec(PLATFORM, args, {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  return stdout.trim();
}

/**
 * Brings the local platform up unless its controllers run already (a quick
 * start, or an earlier `platform up`). True when it did, so that the run
 * stops them again (scripts/e2e.sh stops them too).
 */
async function platformUp(ctx: BenchContext): Promise<boolean> {
  const status = await platform('status').catch(() => '');
  const running = ['build', 'deploy', 'logs'].every(role =>
    new RegExp(`^controller-${role} running`, 'm').test(status),
  );
  if (running) {
    ctx.log('(h) the local platform is up: using its controllers');
    return false;
  }
  ctx.log('(h) scripts/platform up');
  // Its progress lines on our stderr; stdout stays the table's.
  const code = await new Promise<number | null>((resolve, reject) =>
    spawn(PLATFORM, ['up'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
      .on('error', reject)
      .on('exit', resolve),
  );
  if (code !== 0) throw new Error(`scripts/platform up exited with ${code}`);
  return true;
}

/** The portal backend alone, as `yarn start` runs it (ports from scripts/ports.sh). */
async function startBackend(ctx: BenchContext, log: string) {
  const port = process.env.KLI8NT_BACKEND_PORT || '7007';
  const url = `http://127.0.0.1:${port}`;
  const taken = await fetch(`${url}/.backstage/health/v1/readiness`, {
    signal: AbortSignal.timeout(5000),
  }).then(
    () => true,
    () => false,
  );
  if (taken) {
    throw new Error(
      `port ${port} answers already (a portal running?): stop it, or set KLI8NT_BACKEND_PORT to a free port`,
    );
  }
  const backend = new ProcessComponent({
    name: 'portal backend',
    command: [
      'bash',
      '-c',
      'source scripts/ports.sh && cd packages/backend && exec node --require @backstage/cli/config/nodeTransform.cjs src/index.ts --config ../../app-config.yaml --config "$1"',
      'backend',
      await platform('config'),
    ],
    cwd: ROOT,
    // As `yarn start`: the guest sign-in works in development only.
    env: { NODE_ENV: 'development' },
    log,
    ready: `${url}/api/kli8nt/health`,
    readyTimeoutMs: 10 * MINUTE,
  });
  const started = Date.now();
  ctx.log(`(h) starting the portal backend at ${url} (log: ${log})`);
  await backend.start();
  ctx.log(
    `(h) backend ready in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return { backend, portal: new Portal(url) };
}

/** When `url` first answers 200 with the app's own body (`… from <app> (…)`). */
async function firstServed(
  url: string,
  app: string,
  ingress: string,
  ca: Buffer,
): Promise<number> {
  const host = new URL(url).host;
  const deadline = Date.now() + SERVE_TIMEOUT_MS;
  let last = '';
  for (;;) {
    try {
      const answer = await getThroughIngress(ingress, host, ca);
      if (answer.status === 200 && answer.body.includes(`from ${app} (`)) {
        return Date.now();
      }
      last = `${answer.status} ${answer.body.slice(0, 200)}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${url} did not serve ${app} within ${
          SERVE_TIMEOUT_MS / 1000
        } s of live (last: ${last})`,
      );
    }
    await sleep(100);
  }
}

/** Deploy → live → served over HTTPS. */
async function click(
  portal: Portal,
  app: string,
  ingress: { https: string; ca: Buffer },
): Promise<Omit<Click, 'label'>> {
  // A backend just started refuses (403, 404) until its catalog has read
  // the entities and the guest's group, which owns them.
  const settled = Date.now() + CATALOG_TIMEOUT_MS;
  let accepted = await portal.deploy(app);
  while ([403, 404].includes(accepted.status) && Date.now() < settled) {
    await sleep(2000);
    accepted = await portal.deploy(app);
  }
  if (accepted.status !== 202) {
    throw new Error(
      `POST /deployments of ${entityRef(app)} answered ${
        accepted.status || 'nothing'
      }: ${accepted.body?.error?.message ?? ''}`,
    );
  }
  const id: string = accepted.body.id;
  const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
  let last = accepted;
  while (!(last.status === 200 && isTerminalStatus(last.body.status))) {
    if (Date.now() > deadline) {
      throw new Error(
        `${app}: deployment ${id} not final after ${
          DEPLOY_TIMEOUT_MS / MINUTE
        } min (last: ${last.body?.status ?? last.status})`,
      );
    }
    await sleep(250);
    last = await portal.call('GET', `/deployments/${id}`);
  }
  const deployment = last.body as RecordedDeployment & {
    url?: string;
    failureReason?: string;
    failureMessage?: string;
  };
  if (deployment.status !== 'live' || !deployment.url) {
    throw new Error(
      `${app}: deployment ${id} ended ${deployment.status}: ${
        deployment.failureReason ?? ''
      } ${
        deployment.failureMessage ?? ''
      } (controller logs: $KLI8NT_TESTENV_RUN/platform/logs)`,
    );
  }
  const split = splitClickToLive(deployment);
  const recorded = Date.parse(deployment.createdAt) + split.total;
  const served = await firstServed(
    deployment.url,
    app,
    ingress.https,
    ingress.ca,
  );
  return { app, split, servedAfter: served - recorded };
}

function result(clicks: Click[], quick: boolean): BenchResult {
  const splits = clicks.map(c => c.split);
  const overhead = secondsQuantiles(splits.map(s => s.overhead));
  const baseline = secondsQuantiles(splits.map(s => s.build + s.rollout));
  const served = secondsQuantiles(clicks.map(c => c.servedAfter));
  const part = (name: keyof ClickSplit) => {
    const q = secondsQuantiles(splits.map(s => s[name]));
    return `${name} p50 ${q.p50.toFixed(1)} s, p99 ${q.p99.toFixed(1)} s`;
  };
  return {
    id: 'h',
    name: 'click → live platform overhead (real node)',
    workload: quick
      ? `${STATIC} (static) deployed once through POST /deployments on the local platform`
      : `each example of examples/apps deployed twice (first, then the same commit warm), ${STATIC} ${STATIC_EXTRA_DEPLOYS} times more: POST /deployments → live on the local platform, then served over HTTPS`,
    baseline: 'the build Job and the rollout themselves (p50)',
    value: Number(overhead.p50.toFixed(2)),
    baselineValue: Number(baseline.p50.toFixed(1)),
    unit: 's p50',
    ratio: Number((overhead.p50 / baseline.p50).toFixed(3)),
    target: `overhead ≤ ${TARGET.p50} s p50, ≤ ${TARGET.p99} s p99`,
    pass: overhead.p50 <= TARGET.p50 && overhead.p99 <= TARGET.p99,
    notes: [
      `overhead p99 ${overhead.p99.toFixed(2)} s over ${
        clicks.length
      } deployments; ${part('queue')}; ${part(
        'handoff',
      )} (built → rollout applied); ${part('report')} (live → recorded)`,
      ...clicks.map(
        c =>
          `${c.app} (${EXAMPLES[c.app]}) ${c.label}: ${describeSplit(c.split)}`,
      ),
      `HTTPS answered with the app's body p50 ${served.p50.toFixed(
        1,
      )} s, p99 ${served.p99.toFixed(1)} s after live was recorded`,
      'queue = accepted → build Job started, build = the Job (pod start, clone, detect, BuildKit, push), rollout = deploy controller applied → saw it ready; Job times are whole seconds (±1 s per click)',
      'first = the first build of this run: the layer cache keeps what earlier runs on this platform built',
    ],
    distributions: {
      'click → live overhead': percentiles(splits.map(s => s.overhead)),
      'click → live total': percentiles(splits.map(s => s.total)),
    },
  };
}

export async function clickToLiveBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  const apps = ctx.quick
    ? [STATIC]
    : process.env.KLI8NT_BENCH_EXAMPLES?.split(',').map(a => a.trim()) ??
      Object.keys(EXAMPLES);
  const unknown = apps.filter(app => !EXAMPLES[app]);
  if (unknown.length > 0) {
    throw new Error(
      `KLI8NT_BENCH_EXAMPLES: no example ${unknown.join(
        ', ',
      )} (examples/apps has ${Object.keys(EXAMPLES).join(', ')})`,
    );
  }
  const stopAfter = await platformUp(ctx);
  let backend: ProcessComponent | undefined;
  try {
    const env = testWorld([
      'KLI8NT_TESTENV_RUN',
      'KLI8NT_TEST_INGRESS',
      'KLI8NT_TEST_CA_FILE',
    ]);
    const started = await startBackend(
      ctx,
      join(env.KLI8NT_TESTENV_RUN, 'platform/logs/bench-backend.log'),
    );
    backend = started.backend;
    const ingress = {
      https: env.KLI8NT_TEST_INGRESS,
      ca: readFileSync(env.KLI8NT_TEST_CA_FILE),
    };
    const clicks: Click[] = [];
    const deploy = async (app: string, label: string) => {
      ctx.log(`(h) ${app}: deploy (${label})`);
      const c = { ...(await click(started.portal, app, ingress)), label };
      ctx.log(`(h) ${app} ${label}: ${describeSplit(c.split)}`);
      clicks.push(c);
    };
    for (const app of apps) {
      await deploy(app, 'first');
      if (!ctx.quick) await deploy(app, 'second');
    }
    if (!ctx.quick && apps.includes(STATIC)) {
      for (let i = 0; i < STATIC_EXTRA_DEPLOYS; i++) {
        await deploy(STATIC, `#${i + 3}`);
      }
    }
    return result(clicks, ctx.quick);
  } finally {
    backend?.kill();
    if (stopAfter) {
      await platform('stop').catch(error =>
        ctx.log(`(h) scripts/platform stop failed: ${error}`),
      );
    }
  }
}
