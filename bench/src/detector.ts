/*
 * (e) The stack detector (the kli8nt-detect CLI the build Job runs) on a
 * generated monorepo of ≥ 50k files, against `find` listing the same tree.
 */
import { runDetectCli } from '@internal/kli8nt-controllers';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats';
import { BenchContext, BenchResult } from './types';

const PACKAGES = 500;
const FILES_PER_PACKAGE = 100;

/** A yarn-workspaces monorepo: 500 packages of 100 small TypeScript files. */
function generatedTree(): string {
  const dir = join(
    tmpdir(),
    `kli8nt-bench-tree-${PACKAGES}x${FILES_PER_PACKAGE}`,
  );
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'monorepo',
      private: true,
      workspaces: ['packages/*'],
      scripts: { start: 'node packages/p0/src/f0.js' },
    }),
  );
  writeFileSync(join(dir, 'yarn.lock'), '# yarn lockfile v1\n');
  for (let p = 0; p < PACKAGES; p++) {
    const pkg = join(dir, 'packages', `p${p}`);
    mkdirSync(join(pkg, 'src', 'lib'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: `p${p}`, version: '1.0.0' }),
    );
    for (let f = 1; f < FILES_PER_PACKAGE; f++) {
      const sub = f % 2 ? 'src' : join('src', 'lib');
      writeFileSync(join(pkg, sub, `f${f}.ts`), `export const f${f} = ${f};\n`);
    }
  }
  writeFileSync(done, '');
  return dir;
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function detectorBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  const dir = generatedTree();
  const rounds = ctx.quick ? 3 : 7;
  const files = Number(
    execFileSync('sh', ['-c', `find "${dir}" -type f | wc -l`], {
      encoding: 'utf8',
    }).trim(),
  );
  const detect = () => {
    let output = '';
    const code = runDetectCli([dir, '--json'], {
      stdout: text => {
        output += text;
      },
      stderr: () => undefined,
    });
    return { code, output };
  };
  const find: number[] = [];
  const detector: number[] = [];
  for (let r = 0; r < rounds; r++) {
    find.push(
      timed(() =>
        execFileSync('find', [dir, '-type', 'f'], { maxBuffer: 1 << 28 }),
      ),
    );
    detector.push(timed(detect));
  }
  const { code, output } = detect();
  const plan = JSON.parse(output) as { stack?: string; notes?: string[] };
  const value = median(detector);
  const baselineValue = median(find);
  const ratio = value / baselineValue;
  return {
    id: 'e',
    name: 'detector on a large monorepo',
    workload: `kli8nt-detect --json on a generated yarn monorepo of ${files} files (${PACKAGES} packages); median of ${rounds}, warm page cache`,
    baseline: '`find <dir> -type f` of the same tree (a process of its own)',
    value: Math.round(value),
    baselineValue: Math.round(baselineValue),
    unit: 'ms',
    ratio: Number(ratio.toFixed(2)),
    target: '≤ 2×',
    pass: ratio <= 2 && code === 0,
    notes: [
      `exit ${code}, stack ${plan.stack ?? '?'}`,
      ...(plan.notes ?? [])
        .filter(n => /large/.test(n))
        .map(
          n => `detector: ${n} (it stops listing at 10,000 files by design)`,
        ),
    ],
  };
}
