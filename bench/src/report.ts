import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchResult } from './types';

export interface Run {
  date: string;
  quick: boolean;
  machine: {
    cpus: number;
    uptime: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  results: BenchResult[];
  /** Benchmarks that could not run here, with the reason. */
  skipped: Array<{ id: string; name: string; reason: string }>;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function markdown(run: Run): string {
  const rows = run.results.map(r =>
    [
      `(${r.id}) ${r.name}`,
      r.workload,
      `${r.value} ${r.unit}`,
      `${r.baseline}: ${r.baselineValue}`,
      `${r.ratio}×`,
      r.target,
      r.pass ? 'pass' : '**miss**',
      r.notes.join('; '),
    ]
      .map(cell)
      .join(' | '),
  );
  const skipped = run.skipped.map(s => `- (${s.id}) ${s.name}: ${s.reason}`);
  return [
    `# Benchmarks ${run.date}${run.quick ? ' (--quick)' : ''}`,
    '',
    `Machine: ${run.machine.cpus} CPUs; \`uptime\` before: ${
      run.machine.uptime
    }; load after: ${run.machine.loadAfter.map(l => l.toFixed(2)).join(', ')}`,
    '',
    '| benchmark | workload | figure | baseline (same run) | ratio | target | result | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(row => `| ${row} |`),
    '',
    ...(skipped.length ? ['Not run:', '', ...skipped, ''] : []),
    'Latency distributions: see the .svg next to this file.',
    '',
  ].join('\n');
}

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
];

/** Percentile curves (x: percentile, y: ms, log scale) of every series. */
export function latencyChart(run: Run): string {
  const series = run.results.flatMap(r =>
    Object.entries(r.distributions ?? {}),
  );
  const width = 720;
  const height = 420;
  const pad = { left: 60, right: 200, top: 30, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const values = series.flatMap(([, p]) => p).filter(v => v > 0);
  const lo = Math.log10(Math.max(0.1, Math.min(...values, 1)));
  const hi = Math.log10(Math.max(...values, 10));
  const x = (p: number) => pad.left + (p / 100) * plotW;
  const y = (ms: number) =>
    pad.top +
    plotH -
    ((Math.log10(Math.max(ms, 0.1)) - lo) / (hi - lo)) * plotH;
  const ticks: string[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    const ms = 10 ** e;
    if (ms < 10 ** lo || ms > 10 ** hi) continue;
    ticks.push(
      `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y(ms)}" y2="${y(
        ms,
      )}" stroke="#ddd"/>` +
        `<text x="${pad.left - 6}" y="${
          y(ms) + 4
        }" text-anchor="end">${ms} ms</text>`,
    );
  }
  for (const p of [0, 25, 50, 75, 90, 100]) {
    ticks.push(
      `<text x="${x(p)}" y="${
        pad.top + plotH + 18
      }" text-anchor="middle">p${p}</text>`,
    );
  }
  const lines = series.map(([name, p], i) => {
    const color = COLORS[i % COLORS.length];
    const points = p
      .map((ms, q) => `${x(q).toFixed(1)},${y(ms).toFixed(1)}`)
      .join(' ');
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>` +
      `<text x="${pad.left + plotW + 10}" y="${
        pad.top + 16 + i * 18
      }" fill="${color}">${name}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">Latency percentiles, ${
      run.date
    }${run.quick ? ' (--quick)' : ''}</text>`,
    ...ticks,
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes results/<date>.json, .md and .svg; returns the Markdown path. */
export function writeRun(dir: string, run: Run): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, run.date);
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(run));
  writeFileSync(`${base}.svg`, latencyChart(run));
  return `${base}.md`;
}
