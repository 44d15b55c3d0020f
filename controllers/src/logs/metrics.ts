import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The log controller's metrics, in their own registry (one per controller,
 * so tests and several controllers in one process never share series).
 * Labels stay low-cardinality: no pod names.
 */
export function createLogsMetrics(registry = new Registry()) {
  const registers = [registry];
  return {
    registry,
    linesShipped: new Counter({
      name: 'kli8nt_logs_lines_shipped_total',
      help: 'Log entries acknowledged by Kafka, by source (build|runtime).',
      labelNames: ['source'] as const,
      registers,
    }),
    bytesShipped: new Counter({
      name: 'kli8nt_logs_bytes_shipped_total',
      help: 'UTF-8 bytes of log entries acknowledged by Kafka, by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'kli8nt_logs_lag_seconds',
      help: 'Age of the newest entry of the last acknowledged batch when it was acknowledged.',
      registers,
    }),
    reconnects: new Counter({
      name: 'kli8nt_logs_reconnects_total',
      help: 'Log streams opened again, by reason (ended|error|ship_failed|stalled|refresh).',
      labelNames: ['reason'] as const,
      registers,
    }),
    duplicatesDropped: new Counter({
      name: 'kli8nt_logs_duplicates_dropped_total',
      help: 'Entries of a resumed stream that had already been shipped.',
      registers,
    }),
    linesSplit: new Counter({
      name: 'kli8nt_logs_split_pieces_total',
      help: 'Extra pieces produced by splitting lines longer than the limit.',
      registers,
    }),
    followers: new Gauge({
      name: 'kli8nt_logs_followed_containers',
      help: 'Containers being followed by this replica.',
      registers,
    }),
    pausedFollowers: new Gauge({
      name: 'kli8nt_logs_paused_containers',
      help: 'Followed containers paused because Kafka is behind.',
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'kli8nt_logs_buffered_bytes',
      help: 'Bytes read and not yet acknowledged by Kafka.',
      registers,
    }),
  };
}

export type LogsMetrics = ReturnType<typeof createLogsMetrics>;

/** Serves `/metrics` (Prometheus text) and `/healthz` on `host:port`. */
export async function serveMetrics(options: {
  registry: Registry;
  port: number;
  host?: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { registry } = options;
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        text => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`collecting metrics failed: ${error.message}\n`);
        },
      );
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
