import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * The chart rendered with `helm template` (no cluster needed), for render
 * tests. They need helm on PATH (testenv puts it there) and are skipped
 * without it unless KLI8NT_TESTENV=required.
 */

const chartDir = path.resolve(__dirname, '../..');

/** Whether render tests run: helm is on PATH, or the test world is required. */
export const canRender =
  spawnSync('sh', ['-c', 'command -v helm'], { stdio: 'ignore' }).status ===
    0 || process.env.KLI8NT_TESTENV === 'required';

const pinned = (name: string, c: string) =>
  `registry.example.com/mirror/${name}@sha256:${c.repeat(64)}`;

/** The values the chart refuses to render without. */
export const requiredValues = {
  secrets: { amqpUrl: 'amqp://kli8nt:secret@rabbitmq:5672' },
  kafka: { brokers: 'kafka:9092' },
  build: {
    registry: 'registry.example.com/apps',
    kanikoImage: pinned('kaniko', 'a'),
    cloneImage: pinned('git', 'b'),
    pushImage: pinned('crane', 'c'),
  },
};

/** The documents of release `x` rendered with `values` over requiredValues. */
export function renderChart(values: object): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'kli8nt-chart-'));
  try {
    const file = path.join(dir, 'values.json');
    writeFileSync(file, JSON.stringify({ ...requiredValues, ...values }));
    const result = spawnSync('helm', ['template', 'x', chartDir, '-f', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout.split(/^---$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
