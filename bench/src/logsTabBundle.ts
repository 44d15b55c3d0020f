/*
 * (j) The Logs tab page (logsTabPage.tsx) bundled for the browser with
 * esbuild (a few seconds; the plugin's dev app would take a dev server of
 * 1.5 GB and minutes), as a production build, and served on 127.0.0.1.
 */
// esbuild comes with @backstage/cli (its esbuild-loader); added to bench's
// dependencies it would change yarn.lock.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Logs tab (bench j)</title>
<link rel="stylesheet" href="logsTabPage.css"></head>
<body><div id="root" style="padding: 16px"></div>
<script src="logsTabPage.js"></script></body></html>`;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

export interface PageServer {
  /** The page's URL, without query. */
  url: string;
  buildMs: number;
  /** Bytes of JavaScript the page loads. */
  scriptBytes: number;
  close(): Promise<void>;
}

/** Bundles the page into a temporary folder and serves it. */
export async function servePage(): Promise<PageServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kli8nt-bench-logs-tab-'));
  const t0 = performance.now();
  await build({
    entryPoints: [require.resolve('./logsTabPage.tsx')],
    outdir: dir,
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    // As in production, but names are kept so that a profile reads well.
    define: { 'process.env.NODE_ENV': '"production"' },
    minifyWhitespace: true,
    minifySyntax: true,
    // Some dependencies read process.env beyond NODE_ENV.
    banner: { js: 'var process = { env: { NODE_ENV: "production" } };' },
    loader: {
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.ttf': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
    },
    logLevel: 'error',
  });
  const buildMs = performance.now() - t0;
  writeFileSync(join(dir, 'index.html'), PAGE);
  const server: Server = createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://x').pathname.slice(1);
    const file = name === '' ? 'index.html' : name;
    try {
      const body = readFileSync(join(dir, file.replace(/[^\w.-]/g, '')));
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>(ok => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    buildMs,
    scriptBytes: readFileSync(join(dir, 'logsTabPage.js')).length,
    close: async () => {
      await new Promise(ok => server.close(ok));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
