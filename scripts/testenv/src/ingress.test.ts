/*
 * The test world's ingress (lib/ingress.sh): from the host, https://<host>
 * through KLI8NT_TEST_INGRESS reaches a backend with a certificate that
 * verifies, for an Ingress shaped as the deploy role writes it and for an
 * HTTPRoute; a Secret-referenced certificate is served; the ACME mode gets
 * a certificate for a fresh host from Pebble; a deleted Ingress stops
 * answering. With the real node the backend is a Deployment on it;
 * without, a process in the ingress's own namespace behind a selectorless
 * Service. No DNS lookup is made: the ingress address is dialled, with SNI
 * and Host set.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  clusterWaitError,
  getThroughIngress,
  readTestEnv,
  TestEnv,
  TestIngress,
  waitFor,
} from './index';

const env = readTestEnv();
if (env && !env.ingress && process.env.KLI8NT_TESTENV === 'required') {
  throw new Error(
    'KLI8NT_TESTENV=required but KLI8NT_TEST_INGRESS is not set (lib/ingress.sh)',
  );
}
const describeWithIngress = env?.ingress ? describe : describe.skip;
const suffix = randomBytes(4).toString('hex');
const run = promisify(execFile);

jest.setTimeout(240_000);

/** GET https://<host>/ at the test world's ingress, verifying against `ca`. */
const get = (ing: TestIngress, host: string, ca: string | Buffer) =>
  getThroughIngress(ing.https, host, ca);

describeWithIngress('testenv ingress and TLS', () => {
  const te = env as TestEnv;
  const ing = te.ingress as TestIngress;
  const ns = `testenv-ingress-${suffix}`;
  const ca = readFileSync(ing.caFile);
  const host = (name: string) => `${name}-${suffix}.${ing.appsDomain}`;
  const kubectl = async (args: string[], input?: unknown) => {
    const bin = te.binDir ? `${te.binDir}/kubectl` : 'kubectl';
    const child = run(bin, ['--kubeconfig', te.kubeconfig, ...args], {
      maxBuffer: 16 << 20,
    });
    if (input !== undefined) child.child.stdin!.end(JSON.stringify(input));
    return (await child).stdout;
  };
  const apply = (obj: unknown) => kubectl(['apply', '-n', ns, '-f', '-'], obj);
  const getJson = async (...args: string[]) =>
    JSON.parse(await kubectl(['get', '-n', ns, '-o', 'json', ...args]));
  let backend: ChildProcess | undefined;

  // As controllers/src/deploy/builders.ts renders it: port by name, path
  // prefix `/`, TLS hosts with a Secret (or none: the default certificate).
  const ingress = (
    name: string,
    hosts: string[],
    tls: Record<string, unknown>,
    annotations?: Record<string, string>,
  ) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: ing.ingressClass,
      rules: hosts.map(h => ({
        host: h,
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'web', port: { name: 'http' } } },
            },
          ],
        },
      })),
      tls: [{ hosts, ...tls }],
    },
  });

  beforeAll(async () => {
    await kubectl(['create', 'namespace', ns]);
    await waitFor(
      'default ServiceAccount',
      () => kubectl(['-n', ns, 'get', 'serviceaccount', 'default']),
      { timeoutMs: 60_000 },
    );
    if (te.realNode) {
      const tag = te.realNode.busyboxImage.split(':').pop();
      await apply({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              nodeSelector: { 'kli8nt.io/node': 'real' },
              tolerations: [
                {
                  key: 'kli8nt.io/node',
                  operator: 'Equal',
                  value: 'real',
                  effect: 'NoSchedule',
                },
              ],
              containers: [
                {
                  name: 'web',
                  image: `docker.io/library/busybox:${tag}`,
                  command: [
                    'sh',
                    '-c',
                    `mkdir -p /www && echo "hello ${suffix}" > /www/index.html && exec httpd -f -p 8080 -h /www`,
                  ],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: {
                    httpGet: { path: '/', port: 8080 },
                    periodSeconds: 1,
                  },
                },
              ],
            },
          },
        },
      });
      await apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: {
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        },
      });
      await kubectl([
        '-n',
        ns,
        'rollout',
        'status',
        'deployment/web',
        '--timeout=180s',
      ]).catch(error => {
        throw clusterWaitError('the rollout of deployment/web', ns, error);
      });
    } else {
      // The namespace side of the ingress's veth is a valid endpoint address.
      const ip = ing.https.split(':')[0];
      backend = spawn(
        'nsenter',
        [
          `--net=/var/run/netns/${ing.netns}`,
          '--',
          process.execPath,
          '-e',
          `require('http').createServer((q, s) => s.end('hello ${suffix}\\n')).listen(18080, '${ip}')`,
        ],
        { stdio: 'ignore' },
      );
      await apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { ports: [{ name: 'http', port: 80 }] },
      });
      await apply({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'web-1',
          labels: { 'kubernetes.io/service-name': 'web' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 18080 }],
        endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      });
    }
  });
  afterAll(async () => {
    backend?.kill();
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  });

  it('serves an Ingress under the wildcard certificate, reports its address, and stops when it is deleted', async () => {
    const h = host('web');
    await apply(ingress('web', [h], {}));
    const answer = await waitFor('the Ingress to answer', async () => {
      const a = await get(ing, h, ca);
      return a.status === 200 ? a : undefined;
    });
    expect(answer.body).toBe(`hello ${suffix}\n`);
    expect(answer.cert.subjectaltname).toContain(`DNS:*.${ing.appsDomain}`);
    const status = await getJson('ingress', 'web');
    expect(status.status.loadBalancer.ingress).toEqual([
      { ip: ing.https.split(':')[0] },
    ]);

    await kubectl(['delete', '-n', ns, 'ingress', 'web']);
    await waitFor(
      'the deleted Ingress to stop answering',
      async () => (await get(ing, h, ca)).status === 404,
    );
  });

  it('routes an HTTPRoute attached to the Gateway and reports Accepted and ResolvedRefs', async () => {
    const h = host('route');
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            ...ing.gateway,
            sectionName: 'https',
          },
        ],
        hostnames: [h],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: 'web', port: 80 }],
          },
        ],
      },
    });
    const answer = await waitFor('the HTTPRoute to answer', async () => {
      const a = await get(ing, h, ca);
      return a.status === 200 ? a : undefined;
    });
    expect(answer.body).toBe(`hello ${suffix}\n`);
    const route = await waitFor(
      'HTTPRoute status',
      async () => (await getJson('httproute', 'web')).status?.parents?.[0],
    );
    expect(route.controllerName).toBe('kli8nt.io/testenv-ingress-adapter');
    expect(
      route.conditions.map((c: { type: string; status: string }) => [
        c.type,
        c.status,
      ]),
    ).toEqual([
      ['Accepted', 'True'],
      ['ResolvedRefs', 'True'],
    ]);
  });

  it('serves the certificate of the Secret an Ingress names', async () => {
    const h = host('own');
    const dir = mkdtempSync(join(tmpdir(), 'ingress-test-'));
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${h}`,
      '-addext',
      `subjectAltName=DNS:${h}`,
      '-keyout',
      join(dir, 'tls.key'),
      '-out',
      join(dir, 'tls.crt'),
    ]);
    const crt = readFileSync(join(dir, 'tls.crt'));
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'own-tls' },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': crt.toString('base64'),
        'tls.key': readFileSync(join(dir, 'tls.key')).toString('base64'),
      },
    });
    await apply(ingress('own', [h], { secretName: 'own-tls' }));
    // Only this Secret's self-signed certificate verifies against itself.
    const answer = await waitFor(
      'the Secret certificate to be served',
      async () => {
        const a = await get(ing, h, crt);
        return a.status === 200 ? a : undefined;
      },
    );
    expect(answer.cert.subject.CN).toBe(h);
  });

  it('gets a certificate for a fresh host from Pebble over ACME (kli8nt.io/tls: acme)', async () => {
    const h = host('acme');
    await apply(ingress('acme', [h], {}, { 'kli8nt.io/tls': 'acme' }));
    const answer = await waitFor(
      'a Pebble certificate',
      async () => {
        // Pebble makes a new root each start: ask it which one it is now.
        const root = await new Promise<string>((resolve, reject) =>
          https
            .get(
              `${ing.pebbleManagement}/roots/0`,
              { ca, agent: false },
              res => {
                let pem = '';
                res.on('data', c => (pem += c));
                res.on('end', () => resolve(pem));
              },
            )
            .on('error', reject),
        );
        const a = await get(ing, h, root);
        return a.status === 200 ? a : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(answer.cert.subjectaltname).toBe(`DNS:${h}`);
    expect(answer.cert.issuer.CN).toMatch(/^Pebble Intermediate CA/);
  });
});
