import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { PooledKubeConfig } from './kube';

/** An HTTPS "API server" that answers every GET with a Namespace. */
async function apiServer() {
  const dir = tempDir('kli8nt-kube-');
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', [
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
  ]);
  const connections: string[] = [];
  const tokens: Array<string | undefined> = [];
  const server: Server = createServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (req, res) => {
      tokens.push(req.headers.authorization);
      const name = req.url!.split('/').pop();
      res.setHeader('Content-Type', 'application/json');
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
    load(kubeConfig: KubeConfig) {
      kubeConfig.loadFromOptions({
        clusters: [
          {
            name: 'test',
            server: `https://127.0.0.1:${port}`,
            caData: readFileSync(cert).toString('base64'),
          },
        ],
        users: [
          { name: 'ctl', token: 'secret-token' },
          { name: 'other', token: 'other-token' },
        ],
        contexts: [
          { name: 'test', cluster: 'test', user: 'ctl' },
          { name: 'other', cluster: 'test', user: 'other' },
        ],
        currentContext: 'test',
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
