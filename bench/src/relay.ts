import { LOG_STREAM_TOKEN_PROTOCOL_PREFIX } from '@kli8nt/backstage-plugin-kli8nt-common';
import { ChildProcess, fork } from 'node:child_process';
import WebSocket from 'ws';
import { BENCH_ENTITY, BENCH_TOKEN } from './relayServer';

export interface RelayStats {
  rss: number;
  /** Kafka readers the relay has opened since it started. */
  reads: number;
  /** CPU time (user + system) the relay has used since it started. */
  cpuMs: number;
}

/** The next message with `key` (the TS loader sends messages of its own). */
function reply<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise(ok => {
    const listener = (message: unknown) => {
      if (message && typeof message === 'object' && key in message) {
        child.off('message', listener);
        ok(message as T);
      }
    };
    child.on('message', listener);
  });
}

/**
 * Forks a server module (through the TS loader, with a CPU profile when
 * `cpuProfileDir` is given); resolves once it sends `{ port }`.
 */
export async function startServer(
  module: string,
  env: Record<string, string>,
  cpuProfileDir?: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(module, [], {
    execArgv: [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []),
    ],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((ok, fail) => {
    child.once('exit', code => fail(new Error(`${module} exited ${code}`)));
    reply<{ port: number }>(child, 'port').then(m => ok(m.port));
  });
  return { child, port };
}

/** The relay server child process (see relayServer.ts). */
export class Relay {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(options: {
    env: Record<string, string>;
    app: string;
    cpuProfileDir?: string;
  }): Promise<Relay> {
    const { child, port } = await startServer(
      require.resolve('./relayServer'),
      { ...options.env, BENCH_APP: options.app },
      options.cpuProfileDir,
    );
    return new Relay(child, port);
  }

  stats(): Promise<RelayStats> {
    const stats = reply<RelayStats>(this.child, 'rss');
    this.child.send({ type: 'stats' });
    return stats;
  }

  async stop(): Promise<void> {
    const exited = new Promise(ok => this.child.once('exit', ok));
    this.child.send({ type: 'stop' });
    await Promise.race([
      exited,
      new Promise(ok => setTimeout(ok, 10_000)).then(() => this.child.kill()),
    ]);
  }

  url(query: string): string {
    return `ws://127.0.0.1:${this.port}/logs?entityRef=${BENCH_ENTITY}&${query}`;
  }
}

const T = /t=(\d+\.\d+)/;

/** The producer's clock (same process): ms since the epoch, sub-ms. */
export const now = () => performance.timeOrigin + performance.now();

/** Latency of a line carrying `t=<ms>`, measured now. */
export function latencyOf(text: string): number | undefined {
  const match = T.exec(text);
  return match ? now() - Number(match[1]) : undefined;
}

/**
 * A browser-like WebSocket client: counts line frames, and parses one in
 * `sampleEvery` for the produce → frame latency (parsing all 200 viewers'
 * frames would make the probe the bottleneck).
 */
export class Viewer {
  lines = 0;
  dropped = 0;
  /** performance.now() of the first and the latest line frame. */
  firstAt = 0;
  lastAt = 0;
  latencies: number[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, private readonly sampleEvery = 1) {
    this.ws = new WebSocket(
      url,
      [LOG_STREAM_TOKEN_PROTOCOL_PREFIX + BENCH_TOKEN],
      {
        skipUTF8Validation: true,
      },
    );
    this.opened = new Promise((ok, fail) => {
      this.ws.once('open', () => ok());
      this.ws.once('error', fail);
      this.ws.once('close', (code, reason) =>
        fail(new Error(`closed ${code} ${reason}`)),
      );
    });
    this.ws.on('message', (data: Buffer) => {
      // 'dropped' frames start with {"type":"dropped"
      if (data[9] === 0x64 /* d */) {
        this.dropped += Number(/"count":(\d+)/.exec(String(data))?.[1] ?? 0);
        return;
      }
      this.lines++;
      this.lastAt = performance.now();
      if (this.lines === 1) this.firstAt = this.lastAt;
      if (this.lines % this.sampleEvery === 0) {
        const latency = latencyOf(String(data));
        if (latency !== undefined) this.latencies.push(latency);
      }
    });
  }

  reset() {
    this.firstAt = 0;
    this.lastAt = 0;
    this.lines = 0;
    this.dropped = 0;
    this.latencies = [];
  }

  close() {
    this.ws.terminate();
  }
}
