/*
 * (j) The Logs tab in Chromium: the plugin's real LogsTab (logsTabPage.tsx)
 * in Debian's Chromium (as the browser tests), over the real logs
 * WebSocket of the bench relay (the backend's LogStreamHandler, its own
 * process) reading lines produced to the test world's Kafka. A history of
 * 100k lines of 120 B is replayed, then 1,000 lines/s are appended for
 * 30 s. Measured in the page: PerformanceObserver long tasks per phase,
 * the time until the whole history is shown, whether the view kept
 * following, and the JS heap (CDP) at start, after the load and after
 * the live phase (each after a forced GC, outside the measured phases).
 */
import { ConfigReader } from '@backstage/config';
import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  LogBusClient,
  createLogBusClient,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The browser tests' Playwright (a root devDependency, with Debian's
// Chromium): added to bench's dependencies it would change yarn.lock.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { CDPSession, Page, chromium } from 'playwright-core';
import { TOPIC, produceAt, records } from './logRelay';
import { servePage } from './logsTabBundle';
import {
  BenchPage,
  ViewerState,
  describeTasks,
  followingSamples,
  taskStats,
} from './logsTabStats';
import { BENCH_TOKEN } from './relayServer';
import { Relay } from './relay';
import { sleep } from './stats';
import { BenchContext, BenchResult } from './types';

/** The frame budget of the target (and of the Long Tasks API). */
const BUDGET_MS = 50;
/** LogStreamSession's default `maxLines`: older lines are forgotten. */
const TAB_LINE_CAP = 200_000;

declare const window: { kli8ntBench: BenchPage };

async function produceHistory(
  producer: LogBusClient,
  topic: string,
  lines: number,
) {
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < lines; i += 1000) {
    if (inFlight.size >= 4) await Promise.race(inFlight);
    const request = producer.produce(topic, records(Math.min(1000, lines - i)));
    inFlight.add(request);
    request.finally(() => inFlight.delete(request)).catch(() => undefined);
  }
  await Promise.all(inFlight);
}

/** The page's JS heap in use after a full GC, and its DOM node count. */
async function settledHeap(cdp: CDPSession) {
  await cdp.send('HeapProfiler.collectGarbage');
  return heap(cdp);
}

async function heap(cdp: CDPSession) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) =>
    metrics.find(m => m.name === name)?.value ?? NaN;
  return { used: metric('JSHeapUsedSize'), nodes: metric('Nodes') };
}

const pageNow = (page: Page) => page.evaluate(() => performance.now());
const mb = (bytes: number) => Number((bytes / 1024 ** 2).toFixed(1));

export async function logsTabBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  const history = ctx.quick ? 5_000 : 100_000;
  const rate = 1000;
  const liveSeconds = ctx.quick ? 5 : 30;
  const app = `bench-tab-${randomBytes(3).toString('hex')}`;
  const topic = logTopicName(app);
  const config = readKli8ntNodeConfig(
    new ConfigReader({
      kli8nt: {
        kafka: {
          brokers: ctx.env.KLI8NT_TEST_KAFKA_BROKERS.split(','),
          clientId: 'kli8nt-bench-tab',
        },
      },
    }),
  );
  const quiet = { info() {}, warn() {}, error: console.error };
  const producer = createLogBusClient({ config, logger: quiet });
  await producer.ensureTopic(topic, TOPIC);
  const [server] = await Promise.all([
    servePage(),
    produceHistory(producer, topic, history),
  ]);
  ctx.log(
    `(j) page bundled in ${(server.buildMs / 1000).toFixed(1)} s (${mb(
      server.scriptBytes,
    )} MB of script); ${history} lines of history produced`,
  );
  const relay = await Relay.start({ env: ctx.env, app });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(String(error)));
    await page.goto(
      `${server.url}?relay=${relay.port}&token=${BENCH_TOKEN}&history=${history}`,
    );
    await page.waitForFunction(() => 'kli8ntBench' in window);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    if (ctx.profileDir) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const start = await settledHeap(cdp);

    // Load: from the mount until the whole history is counted and its
    // last line rendered.
    // A page error (the tab crashed) ends the wait at once.
    const crashed = new Promise<never>((_, fail) =>
      page.once('pageerror', fail),
    );
    crashed.catch(() => undefined);
    const mountedAt = await page.evaluate(() => window.kli8ntBench.mount());
    const loadTimeout = ctx.quick ? 60_000 : 180_000;
    const loaded = await Promise.race([
      crashed,
      page
        .waitForFunction(
          n => {
            const s = window.kli8ntBench.state();
            // Lines the relay skipped never come.
            const all = s.count + s.skipped >= n && s.lastRow >= s.count;
            return all ? s : false;
          },
          history,
          { polling: 'raf', timeout: loadTimeout },
        )
        .then(shown => shown.jsonValue() as Promise<ViewerState>),
    ]).catch(async error => {
      if (errors.length > 0) {
        throw new Error(`the Logs tab failed: ${errors.join('; ')}`);
      }
      if ((error as Error).name !== 'TimeoutError') throw error;
      // Too slow is a figure, not a failure: measure on from here.
      return page.evaluate(() => window.kli8ntBench.state());
    });
    const loadComplete = loaded.count >= history && loaded.lastRow >= history;
    const loadMs = loaded.at - mountedAt;
    ctx.log(
      `(j) after ${Math.round(loadMs)} ms: ${loaded.count}/${history} lines`,
    );
    await sleep(1000);
    const afterLoad = await settledHeap(cdp);

    // Live: `rate` lines/s, the view sampled once a second.
    const liveFrom = await pageNow(page);
    const samples: ViewerState[] = [];
    const liveHeap: number[] = [];
    let producing = true;
    const sampler = (async () => {
      while (producing) {
        await sleep(1000);
        samples.push(await page.evaluate(() => window.kli8ntBench.state()));
        liveHeap.push((await heap(cdp)).used);
      }
    })();
    const sent = await produceAt(producer, topic, rate, liveSeconds);
    producing = false;
    await sampler;
    const total = history + sent;
    const last = await page
      .waitForFunction(
        n => {
          const s = window.kli8ntBench.state();
          return s.count + s.skipped >= n ? s : false;
        },
        total,
        { polling: 100, timeout: 30_000 },
      )
      .then(h => h.jsonValue() as Promise<ViewerState>)
      .catch(async () => page.evaluate(() => window.kli8ntBench.state()));
    const liveTo = await pageNow(page);
    const afterLive = await settledHeap(cdp);

    if (ctx.profileDir) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(ctx.profileDir, { recursive: true });
      const file = join(ctx.profileDir, `logs-tab-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      ctx.log(`(j) page CPU profile: ${file}`);
    }
    const { longTasks, frames } = await page.evaluate(() => ({
      longTasks: window.kli8ntBench.longTasks,
      frames: window.kli8ntBench.frames,
    }));
    const load = taskStats(longTasks, mountedAt, loaded.at);
    const live = taskStats(longTasks, liveFrom, liveTo);
    const loadFrames = taskStats(frames, mountedAt, loaded.at);
    const liveFrames = taskStats(frames, liveFrom, liveTo);
    const followed = followingSamples(samples);
    const perLineLoad = (afterLoad.used - start.used) / loaded.count;
    const appended = last.count - loaded.count;
    const perLineLive = (afterLive.used - afterLoad.used) / appended;
    // Stable: what the appended lines add is what lines cost when loaded
    // (no growth per render), up to the tab's line cap.
    const heapStable =
      perLineLive <= 1.5 * perLineLoad + (2 * 1024 ** 2) / appended;
    const value = Math.max(load.max, live.max);
    const complete = last.count === total;
    return {
      id: 'j',
      name: 'Logs tab in Chromium: history loaded, then lines appended',
      workload: `${history} lines (120 B) replayed, then ${rate} lines/s for ${liveSeconds} s (${sent} lines), through the relay from Kafka; headless Chromium ${browser.version()}, production React build`,
      baseline: 'none (the 50 ms frame budget)',
      value: Math.round(value),
      baselineValue: BUDGET_MS,
      unit: 'ms longest task',
      ratio: Number((value / BUDGET_MS).toFixed(2)),
      target: 'no long task > 50 ms; heap stable',
      pass:
        value <= BUDGET_MS &&
        loadComplete &&
        heapStable &&
        samples.length > 0 &&
        followed === samples.length &&
        complete &&
        errors.length === 0,
      notes: [
        `${loaded.count}/${history} lines of history shown ${(
          loadMs / 1000
        ).toFixed(1)} s after the mount${
          loaded.count + loaded.skipped < history ? ' (gave up waiting)' : ''
        }`,
        describeTasks('load', load),
        describeTasks(`live (${liveSeconds} s)`, live),
        `long animation frames (> 50 ms): load ${
          loadFrames.count
        } (max ${Math.round(loadFrames.max)} ms), live ${
          liveFrames.count
        } (max ${Math.round(liveFrames.max)} ms)`,
        `kept following in ${followed}/${samples.length} one-second samples; ${last.count}/${total} lines shown, ${last.skipped} skipped by the relay (${loaded.skipped} of the history: it drops what does not fit its send buffer, kli8nt.logs.maxBufferedBytes, 1 MiB)`,
        `JS heap after GC: ${mb(start.used)} MB at start, ${mb(
          afterLoad.used,
        )} MB with ${loaded.count} lines, ${mb(afterLive.used)} MB with ${
          last.count
        } (${Math.round(perLineLoad)} B/line loaded, ${Math.round(
          perLineLive,
        )} B/line appended; max ${mb(
          Math.max(...liveHeap),
        )} MB without GC while live); DOM nodes ${start.nodes} → ${
          afterLive.nodes
        }`,
        `the tab keeps at most ${TAB_LINE_CAP} lines (LogStreamSession maxLines; then 90 % of them), so the heap is bounded at about ${mb(
          start.used + TAB_LINE_CAP * perLineLoad,
        )} MB`,
        ...(errors.length ? [`page errors: ${errors.join('; ')}`] : []),
      ],
    };
  } finally {
    await browser.close();
    await relay.stop();
    await server.close();
    await producer.close();
  }
}
