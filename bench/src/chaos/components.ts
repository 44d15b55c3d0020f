import { ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_DIR } from '../env';

/*
 * What the chaos run kills (SIGKILL: no shutdown hook runs) and starts
 * again: test-world services through `testenv start`, and the backend and
 * controllers as process groups of their own.
 */

const exec = promisify(execFile);
const TESTENV = resolve(BENCH_DIR, '../scripts/testenv/testenv');

export interface Component {
  readonly name: string;
  kills: number;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void> | void;
  /** Starts it again and resolves once it is ready. */
  start(): Promise<void>;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A test-world service: `testenv status` names its pid, `testenv start` starts it. */
export class ServiceComponent implements Component {
  kills = 0;

  constructor(readonly name: string) {}

  async pid(): Promise<number | undefined> {
    const { stdout } = await exec(TESTENV, ['status']);
    const line = stdout.split('\n').find(l => l.startsWith(`${this.name} `));
    const match = /running\s+port=\S+\s+pid=(\d+)/.exec(line ?? '');
    return match ? Number(match[1]) : undefined;
  }

  async kill() {
    const pid = await this.pid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    this.kills++;
    while (alive(pid)) await sleep(100);
  }

  /** A start that timed out is tried again: on a loaded machine Kafka may need more than testenv's 120 s. */
  async start() {
    for (let attempt = 1; ; attempt++) {
      try {
        await exec(TESTENV, ['start', this.name], { maxBuffer: 16 << 20 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }
}

export interface ProcessOptions {
  name: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  log: string;
  /** URL that answers 2xx once the process is ready. */
  ready: string;
  readyTimeoutMs: number;
  /** A new POD_NAME per start, as a rescheduled pod would have. */
  podNamePrefix?: string;
}

export class ProcessComponent implements Component {
  kills = 0;
  starts = 0;
  private child?: ChildProcess;

  constructor(private readonly options: ProcessOptions) {}

  get name() {
    return this.options.name;
  }

  kill() {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return;
    // The whole group: yarn/node wrappers and their children.
    try {
      process.kill(-pid, 'SIGKILL');
      this.kills++;
    } catch {
      // already gone
    }
    this.child = undefined;
  }

  async start() {
    const { command, cwd, env, log, podNamePrefix } = this.options;
    this.starts++;
    const out = openSync(log, 'a');
    this.child = spawn(command[0], command.slice(1), {
      cwd,
      env: {
        ...process.env,
        ...env,
        ...(podNamePrefix
          ? { POD_NAME: `${podNamePrefix}-${this.starts}` }
          : {}),
      },
      stdio: ['ignore', out, out],
      detached: true,
    });
    const child = this.child;
    const deadline = Date.now() + this.options.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(
          `${this.name} exited with ${child.exitCode} (log: ${log})`,
        );
      }
      try {
        const res = await fetch(this.options.ready, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(500);
    }
    throw new Error(
      `${this.name} not ready after ${this.options.readyTimeoutMs} ms (log: ${log})`,
    );
  }
}
