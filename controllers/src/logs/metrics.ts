import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

abstract class Metric {
  protected readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  protected entry(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels).sort());
    let series = this.series.get(key);
    if (!series) {
      series = { labels, value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  get(labels: Labels = {}): number {
    return this.entry(labels).value;
  }

  render(): string {
    const lines = [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    for (const { labels, value } of this.series.values()) {
      const rendered = Object.entries(labels)
        .map(
          ([k, v]) =>
            `${k}="${v
              .replace(/\\/g, '\\\\')
              .replace(/"/g, '\\"')
              .replace(/\n/g, '\\n')}"`,
        )
        .join(',');
      lines.push(`${this.name}${rendered ? `{${rendered}}` : ''} ${value}`);
    }
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
}

export class Gauge extends Metric {
  set(value: number, labels: Labels = {}): void {
    this.entry(labels).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }

  dec(labels: Labels = {}, by = 1): void {
    this.entry(labels).value -= by;
  }
}

/** A small in-process metrics registry rendered in the Prometheus text format. */
export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help, 'counter'));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help, 'gauge'));
  }

  render(): string {
    return `${this.metrics.map(m => m.render()).join('\n')}\n`;
  }

  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}

/** The log controller's metrics. Labels stay low-cardinality: no pod names. */
export function createLogsMetrics(registry = new MetricsRegistry()) {
  return {
    registry,
    linesShipped: registry.counter(
      'kli8nt_logs_lines_shipped_total',
      'Log entries acknowledged by Kafka, by source (build|runtime).',
    ),
    bytesShipped: registry.counter(
      'kli8nt_logs_bytes_shipped_total',
      'UTF-8 bytes of log entries acknowledged by Kafka, by source.',
    ),
    lagSeconds: registry.gauge(
      'kli8nt_logs_lag_seconds',
      'Age of the newest entry of the last acknowledged batch when it was acknowledged.',
    ),
    reconnects: registry.counter(
      'kli8nt_logs_reconnects_total',
      'Log streams opened again, by reason (ended|error|ship_failed|stalled|refresh).',
    ),
    duplicatesDropped: registry.counter(
      'kli8nt_logs_duplicates_dropped_total',
      'Entries of a resumed stream that had already been shipped.',
    ),
    linesSplit: registry.counter(
      'kli8nt_logs_split_pieces_total',
      'Extra pieces produced by splitting lines longer than the limit.',
    ),
    followers: registry.gauge(
      'kli8nt_logs_followed_containers',
      'Containers being followed by this replica.',
    ),
    pausedFollowers: registry.gauge(
      'kli8nt_logs_paused_containers',
      'Followed containers paused because Kafka is behind.',
    ),
    bufferedBytes: registry.gauge(
      'kli8nt_logs_buffered_bytes',
      'Bytes read and not yet acknowledged by Kafka.',
    ),
  };
}

export type LogsMetrics = ReturnType<typeof createLogsMetrics>;

/** Serves `/metrics` (Prometheus text) and `/healthz` on `host:port`. */
export async function serveMetrics(options: {
  registry: MetricsRegistry;
  port: number;
  host?: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(options.registry.render());
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
