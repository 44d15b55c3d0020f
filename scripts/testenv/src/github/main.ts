/*
 * The fake GitHub as a process (testenv's `github` service):
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs main.ts \
 *     --root <git root> --listen 127.0.0.1:23480 [--listen <ip>:23480] \
 *     [--listen-tls 127.0.0.1:23481 --tls-cert <crt> --tls-key <key>] \
 *     --web-url https://<ip>:23481 --api-url http://127.0.0.1:23480/api/v3 \
 *     [--pat-file <file>] [--app-id 1 --app-key-file <pem>] [--state-file <json>]
 *
 * Secrets come from files, never from the command line (which `ps` shows).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { GitRoot } from './repos';
import { createFakeGithub } from './server';

type Handler = http.RequestListener;

/** Listens on every `host:port`; resolves once all of them accept connections. */
export async function listenAll(
  handler: Handler,
  plain: string[],
  secure: string[] = [],
  tls?: { cert: string; key: string },
): Promise<Array<http.Server | https.Server>> {
  const servers: Array<{
    server: http.Server | https.Server;
    address: string;
  }> = [
    ...plain.map(address => ({ server: http.createServer(handler), address })),
    ...secure.map(address => {
      if (!tls) throw new Error('--listen-tls needs --tls-cert and --tls-key');
      return { server: https.createServer(tls, handler), address };
    }),
  ];
  await Promise.all(
    servers.map(
      ({ server, address }) =>
        new Promise<void>((resolve, reject) => {
          const colon = address.lastIndexOf(':');
          server.once('error', reject);
          server.listen(
            Number(address.slice(colon + 1)),
            address.slice(0, colon),
            resolve,
          );
        }),
    ),
  );
  return servers.map(s => s.server);
}

export const boundAddress = (server: http.Server) =>
  server.address() as AddressInfo;

async function main() {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      listen: { type: 'string', multiple: true, default: [] },
      'listen-tls': { type: 'string', multiple: true, default: [] },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'web-url': { type: 'string' },
      'api-url': { type: 'string' },
      'pat-file': { type: 'string' },
      'app-id': { type: 'string' },
      'app-key-file': { type: 'string' },
      'state-file': { type: 'string' },
      'token-ttl': { type: 'string' },
    },
  });
  const root = values.root;
  if (
    !root ||
    !values['web-url'] ||
    !values['api-url'] ||
    values.listen.length === 0
  ) {
    throw new Error(
      'usage: main.ts --root DIR --listen HOST:PORT --web-url URL --api-url URL …',
    );
  }
  const read = (file?: string) =>
    file ? fs.readFileSync(file, 'utf8').trim() : undefined;
  const appKey = read(values['app-key-file']);
  const fake = createFakeGithub({
    repos: new GitRoot(root),
    gitRoot: root,
    urls: {
      web: values['web-url'].replace(/\/$/, ''),
      api: values['api-url'].replace(/\/$/, ''),
    },
    pat: read(values['pat-file']),
    app:
      values['app-id'] && appKey
        ? { id: values['app-id'], privateKeyPem: appKey }
        : undefined,
    stateFile: values['state-file'],
    tokenTtlSeconds: values['token-ttl']
      ? Number(values['token-ttl'])
      : undefined,
    log: line => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  const tls =
    values['tls-cert'] && values['tls-key']
      ? {
          cert: fs.readFileSync(values['tls-cert']),
          key: fs.readFileSync(values['tls-key']),
        }
      : undefined;
  await listenAll(
    fake.handler,
    values.listen,
    values['listen-tls'],
    tls as any,
  );
  process.stdout.write(
    `fake GitHub serving ${root} on ${[
      ...values.listen,
      ...values['listen-tls'].map(a => `${a} (tls)`),
    ].join(', ')}\n`,
  );
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch(error => {
    process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
    process.exit(1);
  });
}
