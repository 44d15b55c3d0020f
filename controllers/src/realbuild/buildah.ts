import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** Repository root (controllers/src/realbuild → ../../..). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const IMAGES_SCRIPT = path.join(
  REPO_ROOT,
  'scripts/images/build-base-images',
);
export const IMAGES_BOOTSTRAP = path.join(REPO_ROOT, 'scripts/images/bootstrap');

export interface RunResult {
  code: number | null;
  output: string;
  millis: number;
}

/**
 * Runs a command to completion with its stdout and stderr merged, optionally
 * echoing lines with a prefix (progress for long builds). Never throws on a
 * non-zero exit; callers assert on `code`.
 */
export function run(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    echo?: string;
    timeoutMs?: number;
  } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (options.echo) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          process.stderr.write(`${options.echo} ${line}\n`);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const timer = options.timeoutMs
      ? setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', code => {
      if (timer) clearTimeout(timer);
      if (options.echo && partial) {
        process.stderr.write(`${options.echo} ${partial}\n`);
      }
      resolve({ code, output, millis: Date.now() - started });
    });
  });
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export function commandExists(command: string): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], {
      stdio: 'ignore',
    }).status === 0
  );
}

/** Parses `export NAME='value'` lines (build-base-images env). */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export interface BuildStep {
  /** 1-based step number as buildah prints it. */
  index: number;
  instruction: string;
  cached: boolean;
}

/**
 * The steps of a `buildah build --layers` log and whether each came from
 * the layer cache ("--> Using cache <id>" right after the step). Buildah
 * numbers steps per stage (multi-stage lines start with "[stage/stages] ");
 * they are listed in order.
 */
export function parseBuildSteps(log: string): BuildStep[] {
  const steps: BuildStep[] = [];
  for (const line of log.split('\n')) {
    const step = /^(?:\[\d+\/\d+\] )?STEP (\d+)(?:\/\d+)?: (.*)$/.exec(line);
    if (step) {
      steps.push({
        index: Number(step[1]),
        instruction: step[2],
        cached: false,
      });
      continue;
    }
    if (/^--> Using cache /.test(line) && steps.length > 0) {
      steps[steps.length - 1].cached = true;
    }
  }
  return steps;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) {
    return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  }
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
