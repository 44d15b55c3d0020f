import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** Repository root (controllers/src/realbuild/__testUtils__ → ../../../..). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const IMAGES_SCRIPT = path.join(
  REPO_ROOT,
  'scripts/images/build-base-images',
);
export const IMAGES_BOOTSTRAP = path.join(
  REPO_ROOT,
  'scripts/images/bootstrap',
);

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
  if (
    child.pid === undefined ||
    child.exitCode !== null ||
    child.signalCode !== null
  ) {
    return;
  }
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
  /** 1-based stage number (1 for a single-stage build). */
  stage: number;
  /** 1-based step number within the stage, as buildah prints it. */
  index: number;
  instruction: string;
  cached: boolean;
}

/**
 * The steps of a `buildah build --layers` log, in Dockerfile order (stage,
 * then step), and whether each came from the layer cache.
 *
 * Buildah prints `[stage/stages] STEP n/m: <instruction>`, then for a cached
 * step `--> Using cache <id>`, and for every finished step `--> <short id>`.
 * A step that needs an earlier stage (`COPY --from=`) is printed before that
 * stage's steps and finished after them, so results belong to the most
 * recent step still open (a stack). FROM steps print no result.
 */
export function parseBuildSteps(log: string): BuildStep[] {
  const steps: BuildStep[] = [];
  const open: BuildStep[] = [];
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    const step = /^(?:\[(\d+)\/\d+\] )?STEP (\d+)(?:\/\d+)?: (.*)$/.exec(line);
    if (step) {
      const parsed = {
        stage: Number(step[1] ?? 1),
        index: Number(step[2]),
        instruction: step[3],
        cached: false,
      };
      steps.push(parsed);
      if (!/^FROM /i.test(parsed.instruction)) open.push(parsed);
      continue;
    }
    if (/^--> Using cache /.test(line)) {
      if (open.length > 0) open[open.length - 1].cached = true;
      continue;
    }
    if (/^--> [0-9a-f]{6,}$/.test(line)) {
      open.pop();
    }
  }
  return steps.sort((a, b) => a.stage - b.stage || a.index - b.index);
}

/**
 * What is wrong with the layer cache in a rebuild after a source-only
 * change (empty when all is well). For a generated Dockerfile everything
 * before the step that copies the whole source tree is the dependency part:
 * it must come from the cache, include a RUN when the plan installs
 * dependencies, and the source copy itself must not (the change was seen).
 * A repository's own Dockerfile is not judged.
 */
export function dependencyCacheProblems(
  steps: BuildStep[],
  plan: { generated: boolean; installCommand?: string[] },
): string[] {
  if (!plan.generated) return [];
  const body = steps.filter(s => !/^FROM /i.test(s.instruction));
  const sourceCopy = body.findIndex(s =>
    /^COPY (--\S+ )*\[?"?\.\/?"?,/.test(s.instruction),
  );
  if (sourceCopy < 0) return ['no step copies the whole source tree'];
  const problems: string[] = [];
  const deps = body.slice(0, sourceCopy);
  for (const s of deps.filter(d => !d.cached)) {
    problems.push(`dependency step not from cache: ${s.instruction}`);
  }
  if (body[sourceCopy].cached) {
    problems.push(
      `source copy came from cache: ${body[sourceCopy].instruction}`,
    );
  }
  if (plan.installCommand && !deps.some(s => /^RUN /.test(s.instruction))) {
    problems.push('no dependency-install RUN step before the source copy');
  }
  return problems;
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
