/*
 * A controller role as the image runs it (`kli8nt-controller <role>`, the
 * sources through the SWC hook in a checkout), in its own process so that
 * its CPU and peak RSS are its own.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const BIN = join(
  dirname(require.resolve('@internal/kli8nt-controllers/package.json')),
  'bin/kli8nt-controller',
);

export class ControllerProcess {
  private readonly child: ChildProcess;
  private readonly output: string[] = [];
  private readonly exited: Promise<void>;

  /** With `profileDir`, the role writes a V8 CPU profile there on exit. */
  constructor(
    role: 'deploy' | 'logs' | 'build',
    env: Record<string, string>,
    profileDir?: string,
  ) {
    const profile = profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
      : [];
    this.child = spawn(process.execPath, [...profile, BIN, role], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output.push(String(chunk));
      if (this.output.length > 200) this.output.shift();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise(ok => this.child.once('exit', () => ok()));
  }

  /** Throws with the role's last output when it has exited. */
  check(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      throw new Error(
        `the controller exited (${
          this.child.exitCode ?? this.child.signalCode
        }): ${this.tail()}`,
      );
    }
  }

  tail(): string {
    return this.output.join('').slice(-2000);
  }

  /** Resolves once a log line matches `pattern` (the role logs JSON lines). */
  async waitForLog(pattern: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.output.join(''))) {
      this.check();
      if (Date.now() > deadline) {
        throw new Error(
          `the controller did not log ${pattern}: ${this.tail()}`,
        );
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }

  /** Peak resident set size so far, MB (VmHWM). */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024);
  }

  /** CPU time used so far, ms (utime + stime). */
  cpuMs(): number {
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timeout = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timeout);
  }
}
