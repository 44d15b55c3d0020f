import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { tempDir } from '../__testUtils__/tempDir';
import { PooledKubeConfig } from './kube';

/** A self-signed certificate for 127.0.0.1: the server's, and a client's. */
function selfSigned() {
  const dir = tempDir('kli8nt-kube-');
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/**
 * An HTTPS "API server" that answers every GET with a Namespace and holds
 * watches open. It records each connection and, per request, the bearer
 * token and the client certificate that came with it.
 */
async function apiServer() {
  const tls = selfSigned();
  const connections: string[] = [];
  const tokens: Array<string | undefined> = [];
  const clientCerts: unknown[] = [];
  const server: Server = createServer(
    { ...tls, ca: tls.cert, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      tokens.push(req.headers.authorization);
      clientCerts.push(socket.getPeerCertificate()?.subject?.CN);
      res.setHeader('Content-Type', 'application/json');
      if (req.url!.includes('watch=true')) {
        res.flushHeaders();
        return;
      }
      const name = req.url!.split('/').pop();
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        }),
      );
    },
  );
  server.on('secureConnection', socket =>
    connections.push(`${socket.remotePort}`),
  );
  await new Promise<void>(ok => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    connections,
    tokens,
    clientCerts,
    load(kubeConfig: KubeConfig, currentContext = 'test') {
      kubeConfig.loadFromOptions({
        clusters: [
          {
            name: 'test',
            server: `https://127.0.0.1:${port}`,
            caData: tls.cert.toString('base64'),
          },
        ],
        users: [
          { name: 'ctl', token: 'secret-token' },
          { name: 'other', token: 'other-token' },
          {
            name: 'cert',
            certData: tls.cert.toString('base64'),
            keyData: tls.key.toString('base64'),
          },
        ],
        contexts: [
          { name: 'test', cluster: 'test', user: 'ctl' },
          { name: 'other', cluster: 'test', user: 'other' },
          { name: 'cert', cluster: 'test', user: 'cert' },
        ],
        currentContext,
      });
      return kubeConfig.makeApiClient(CoreV1Api);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise(ok => server.close(ok));
    },
  };
}

describe('PooledKubeConfig', () => {
  it('sends the requests of a client over kept-alive connections', async () => {
    const api = await apiServer();
    try {
      const core = api.load(new PooledKubeConfig());
      const names: string[] = [];
      for (const name of 'abcdefghij') {
        names.push((await core.readNamespace({ name })).metadata!.name!);
      }
      expect(names.join('')).toBe('abcdefghij');
      // undici may not have the first socket back when the second request
      // leaves; from then on the pool's sockets carry every request.
      expect(api.connections.length).toBeLessThanOrEqual(2);
      expect(api.tokens).toEqual(Array(10).fill('Bearer secret-token'));
    } finally {
      await api.close();
    }
  });

  it('opens a connection per request where client-node is left alone', async () => {
    // Why PooledKubeConfig exists: when this fails, client-node pools by
    // itself and the class can go.
    const api = await apiServer();
    try {
      const core = api.load(new KubeConfig());
      for (const name of ['a', 'b', 'c']) await core.readNamespace({ name });
      expect(api.connections).toHaveLength(3);
    } finally {
      await api.close();
    }
  });

  it('presents the client certificate on the pooled connections', async () => {
    const api = await apiServer();
    try {
      const core = api.load(new PooledKubeConfig(), 'cert');
      for (const name of 'abcde') await core.readNamespace({ name });
      expect(api.clientCerts).toEqual(Array(5).fill('127.0.0.1'));
      expect(api.connections.length).toBeLessThanOrEqual(2);
    } finally {
      await api.close();
    }
  });

  it('keeps serving requests while watches hold their connections', async () => {
    const api = await apiServer();
    const kubeConfig = new PooledKubeConfig();
    const watches: AbortController[] = [];
    try {
      const core = api.load(kubeConfig);
      for (let i = 0; i < 12; i++) {
        watches.push(
          await new Watch(kubeConfig).watch(
            '/api/v1/namespaces',
            {},
            () => undefined,
            () => undefined,
          ),
        );
      }
      for (const name of 'abc') await core.readNamespace({ name });
      expect(api.tokens).toEqual(Array(15).fill('Bearer secret-token'));
      // Each open watch holds one connection; the GETs share what is left.
      expect(api.connections.length).toBeGreaterThanOrEqual(13);
      expect(api.connections.length).toBeLessThanOrEqual(14);
    } finally {
      for (const watch of watches) watch.abort();
      await api.close();
    }
  });

  it('starts a new pool when the user or cluster changes', async () => {
    const api = await apiServer();
    try {
      const kubeConfig = new PooledKubeConfig();
      const core = api.load(kubeConfig);
      for (const name of 'abc') await core.readNamespace({ name });
      const opened = api.connections.length;
      kubeConfig.setCurrentContext('other');
      for (const name of 'def') await core.readNamespace({ name });
      expect(api.tokens.slice(3)).toEqual(Array(3).fill('Bearer other-token'));
      expect(api.connections.length).toBeGreaterThan(opened);
      expect(api.connections.length).toBeLessThanOrEqual(2 * opened);
    } finally {
      await api.close();
    }
  });
});
