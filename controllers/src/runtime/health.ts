import { createServer, Server } from 'node:http';

/** One probe's answer: ok, or why not. */
export type HealthCheck = () => { ok: true } | { ok: false; reason: string };

/**
 * Serves `/livez` and `/readyz` (JSON, 200 or 503) from the given checks, for
 * the kubelet's probes. Port 0 picks a free port (tests).
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  livez: HealthCheck;
  readyz: HealthCheck;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const checks: Record<string, HealthCheck> = {
      '/livez': options.livez,
      '/readyz': options.readyz,
    };
    const check = checks[req.url?.split('?')[0] ?? ''];
    if (!check) {
      res.writeHead(404).end();
      return;
    }
    const result = check();
    res
      .writeHead(result.ok ? 200 : 503, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(result));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
