/*
 * The deploy role's other ways in, on the test world's REAL node: per-host
 * ACME certificates (mode cert-manager with the issuer annotation the test
 * world's Caddy reads, `kli8nt.io/tls: acme`; Pebble issues) and Gateway
 * API exposure (an HTTPRoute attached to the test world's Gateway, whose
 * HTTPS listener serves the wildcard certificate). Each app must answer over
 * HTTPS with a certificate that verifies against the issuing CA.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import {
  AppConfig,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { getThroughIngress, readTestEnv } from '@internal/testenv';
import type { DeployConfig } from './config';
import {
  testConfig,
  testKubeConfig,
  testNames,
  useDeployWorld,
  waitFor,
} from './__testUtils__/cluster';
import {
  HTTPD,
  pushTestApp,
  realNodeGate,
  realNodePlacement,
} from './__testUtils__/realNode';

const { describeWithTestenv, requireTestenv } = realNodeGate([
  'KLI8NT_TEST_GATEWAY',
  'KLI8NT_TEST_PEBBLE_MANAGEMENT',
]);

jest.setTimeout(300_000);

const env = process.env;

/** Pebble's current root (it makes a new one each start). */
function pebbleRoot(): Promise<string> {
  const { ingress } = readTestEnv()!;
  return new Promise((resolve, reject) =>
    https
      .get(
        `${ingress!.pebbleManagement}/roots/0`,
        { ca: readFileSync(ingress!.caFile), agent: false },
        res => {
          let pem = '';
          res.on('data', c => (pem += c));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(pem)
              : reject(new Error(`Pebble roots: ${res.statusCode}`)),
          );
        },
      )
      .on('error', reject),
  );
}

/** A deploy world on the real node with the given exposure and TLS. */
function useRealNodeWorld(
  prefix: string,
  overrides: Pick<DeployConfig, 'tls' | 'exposure'>,
) {
  const names = testNames(prefix);
  const domain = env.KLI8NT_TEST_APPS_DOMAIN ?? 'apps.kli8nt.test';
  const config = testConfig(names, {
    appsDomain: domain,
    ...overrides,
    ...realNodePlacement(),
  });
  const world = useDeployWorld(names, config, testKubeConfig());
  let image = '';
  let sequence = 0;

  beforeAll(async () => {
    requireTestenv();
    const pushed = await pushTestApp(prefix, HTTPD, '65534:65534');
    image = `${pushed.image}@${pushed.digest}`;
  });

  /** Deploys `app` and waits for live; returns its URL and host. */
  async function deployLive(app: string, greeting: string) {
    const deploymentId = randomUUID();
    await world.bus.send(
      createMessage('DeployRequested', {
        deploymentId,
        occurredAt: new Date().toISOString(),
        payload: {
          app,
          entityRef: `component:default/${app}`,
          cluster: names.cluster,
          image,
          imageDigest: image.slice(image.indexOf('@') + 1),
          reason: 'redeploy',
          config: {
            port: 8080,
            replicas: 1,
            domains: [],
            env: { GREETING: greeting },
            secretEnv: {},
          } satisfies AppConfig,
          sequence: ++sequence,
        },
      }),
    );
    const live = await world.bus.waitForStatus(deploymentId, 'live', 120_000);
    return { url: live.payload.url, host: `${app}.${domain}` };
  }

  /** HTTPS through the ingress address until `host` answers 200. */
  function answered(host: string, ca: () => Promise<string | Buffer>) {
    return waitFor(
      `${host} answering over HTTPS`,
      async () => {
        const a = await getThroughIngress(
          env.KLI8NT_TEST_INGRESS!,
          host,
          await ca(),
        ).catch(() => undefined);
        return a?.status === 200 ? a : undefined;
      },
      120_000,
      names.namespace,
    );
  }

  return { names, domain, deployLive, answered };
}

describeWithTestenv(
  'deploy controller on the real node: ACME certificates',
  () => {
    const w = useRealNodeWorld('deploy-acme', {
      tls: {
        mode: 'cert-manager',
        clusterIssuer: 'acme',
        issuerAnnotation: 'kli8nt.io/tls',
      },
      exposure: {
        mode: 'ingress',
        ingressClassName: env.KLI8NT_TEST_INGRESS_CLASS ?? 'kli8nt-test',
      },
    });

    it('answers over HTTPS with a certificate Pebble issued for its host', async () => {
      const started = Date.now();
      // A fresh host each run: Caddy must really order its certificate.
      const app = `acme-${w.names.suffix}`.slice(0, 40);
      const { url, host } = await w.deployLive(app, 'acme');
      expect(url).toBe(`https://${host}`);
      const answer = await w.answered(host, pebbleRoot);
      expect(answer.body).toBe('hello acme\n');
      expect(answer.cert.subjectaltname).toBe(`DNS:${host}`);
      expect(answer.cert.issuer.CN).toMatch(/^Pebble Intermediate CA/);
      // The wildcard CA must not verify it: the certificate is Pebble's.
      await expect(
        getThroughIngress(
          env.KLI8NT_TEST_INGRESS!,
          host,
          readFileSync(env.KLI8NT_TEST_CA_FILE!),
        ),
      ).rejects.toThrow(/certificate/i);
      // eslint-disable-next-line no-console
      console.log(
        `real node, ACME: HTTPS 200 after ${Date.now() - started} ms`,
      );
    });
  },
);

describeWithTestenv('deploy controller on the real node: Gateway API', () => {
  const [namespace, name] = (env.KLI8NT_TEST_GATEWAY ?? '/').split('/');
  const w = useRealNodeWorld('deploy-route', {
    // The Gateway's HTTPS listener serves the wildcard certificate; the
    // HTTPRoute itself carries no TLS (the platform owns the listeners).
    tls: { mode: 'wildcard', secretName: 'kli8nt-wildcard-tls' },
    exposure: {
      mode: 'gateway',
      gateway: { namespace, name, sectionName: 'https' },
    },
  });

  it('answers through its HTTPRoute on the Gateway with the wildcard certificate', async () => {
    const started = Date.now();
    const { url, host } = await w.deployLive('routed', 'route');
    expect(url).toBe(`https://${host}`);
    const answer = await w.answered(host, async () =>
      readFileSync(env.KLI8NT_TEST_CA_FILE!),
    );
    expect(answer.body).toBe('hello route\n');
    expect(answer.cert.subjectaltname).toContain(`DNS:*.${w.domain}`);
    // eslint-disable-next-line no-console
    console.log(
      `real node, HTTPRoute: HTTPS 200 after ${Date.now() - started} ms`,
    );
  });
});
