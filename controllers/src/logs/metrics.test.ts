import { Gauge } from 'prom-client';
import { createLogsMetrics, serveMetrics } from './metrics';

/** Starts the metrics server, scrapes `path` and stops it again. */
async function scrape(
  registry: ReturnType<typeof createLogsMetrics>['registry'],
  path = '/metrics',
) {
  const server = await serveMetrics({ registry, port: 0, host: '127.0.0.1' });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      text: await res.text(),
    };
  } finally {
    await server.close();
  }
}

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('log controller metrics', () => {
  it('are served at /metrics in the Prometheus text format', async () => {
    const metrics = createLogsMetrics();
    metrics.linesShipped.inc({ source: 'build' }, 3);
    metrics.linesShipped.inc({ source: 'runtime' });
    metrics.reconnects.inc({ reason: 'stalled' });
    metrics.followers.inc();
    metrics.followers.inc();
    metrics.followers.dec();
    metrics.bufferedBytes.inc(4096);
    metrics.lagSeconds.set(1.5);

    const res = await scrape(metrics.registry);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Object.fromEntries(samples(res.text))).toEqual({
      'kli8nt_logs_lines_shipped_total{source="build"}': 3,
      'kli8nt_logs_lines_shipped_total{source="runtime"}': 1,
      'kli8nt_logs_reconnects_total{reason="stalled"}': 1,
      kli8nt_logs_lag_seconds: 1.5,
      kli8nt_logs_duplicates_dropped_total: 0,
      kli8nt_logs_split_pieces_total: 0,
      kli8nt_logs_followed_containers: 1,
      kli8nt_logs_paused_containers: 0,
      kli8nt_logs_buffered_bytes: 4096,
    });
    for (const [name, type] of [
      ['kli8nt_logs_lines_shipped_total', 'counter'],
      ['kli8nt_logs_bytes_shipped_total', 'counter'],
      ['kli8nt_logs_lag_seconds', 'gauge'],
      ['kli8nt_logs_reconnects_total', 'counter'],
      ['kli8nt_logs_buffered_bytes', 'gauge'],
    ]) {
      expect(res.text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(res.text).toContain(`# TYPE ${name} ${type}\n`);
    }
  });

  it('escapes label values', async () => {
    const metrics = createLogsMetrics();
    metrics.reconnects.inc({ reason: 'a "quoted"\\ reason\n' });
    const { text } = await scrape(metrics.registry);
    expect(text).toContain(
      'kli8nt_logs_reconnects_total{reason="a \\"quoted\\"\\\\ reason\\n"} 1',
    );
  });

  it('keeps the series of two controllers in one process apart', async () => {
    const a = createLogsMetrics();
    const b = createLogsMetrics();
    a.linesShipped.inc({ source: 'build' }, 5);
    const scraped = samples((await scrape(b.registry)).text);
    expect(scraped.has('kli8nt_logs_lines_shipped_total{source="build"}')).toBe(
      false,
    );
    expect(
      samples((await scrape(a.registry)).text).get(
        'kli8nt_logs_lines_shipped_total{source="build"}',
      ),
    ).toBe(5);
  });

  it('answers 500 with the reason when a metric cannot be collected', async () => {
    const metrics = createLogsMetrics();
    metrics.registry.registerMetric(
      new Gauge({
        name: 'broken',
        help: 'A gauge whose collection fails.',
        registers: [],
        collect() {
          throw new Error('no data source');
        },
      }),
    );
    const res = await scrape(metrics.registry);
    expect(res.status).toBe(500);
    expect(res.text).toContain('no data source');
  });

  it('serves /healthz and nothing else', async () => {
    const { registry } = createLogsMetrics();
    expect((await scrape(registry, '/healthz')).text).toBe('ok\n');
    expect((await scrape(registry, '/nope')).status).toBe(404);
  });
});
