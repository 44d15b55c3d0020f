import { createLogsMetrics, MetricsRegistry, serveMetrics } from './metrics';

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('things_total', 'Things.');
    const gauge = registry.gauge('level', 'Level.');
    counter.inc({ kind: 'a"b' }, 2);
    counter.inc({ kind: 'c' });
    gauge.set(1.5);
    gauge.dec({}, 0.5);
    expect(registry.render()).toBe(
      [
        '# HELP things_total Things.',
        '# TYPE things_total counter',
        'things_total{kind="a\\"b"} 2',
        'things_total{kind="c"} 1',
        '# HELP level Level.',
        '# TYPE level gauge',
        'level 1',
        '',
      ].join('\n'),
    );
    expect(counter.get({ kind: 'c' })).toBe(1);
  });

  it('serves /metrics and /healthz over HTTP', async () => {
    const metrics = createLogsMetrics();
    metrics.linesShipped.inc({ source: 'build' }, 3);
    const server = await serveMetrics({
      registry: metrics.registry,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(
        'kli8nt_logs_lines_shipped_total{source="build"} 3',
      );
      expect(text).toContain('# TYPE kli8nt_logs_reconnects_total counter');
      expect(
        (await fetch(`http://127.0.0.1:${server.port}/healthz`)).status,
      ).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(
        404,
      );
    } finally {
      await server.close();
    }
  });
});
