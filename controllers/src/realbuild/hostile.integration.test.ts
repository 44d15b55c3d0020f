/**
 * A hostile repository on the real node: its Dockerfile's RUN step
 * (controllers/src/realbuild/__fixtures__/hostile/probe.js) looks for credentials (files,
 * its own and other processes' environment) and tries to reach the
 * apiserver, the test world's brokers and database (directly, on the
 * container's loopback and through the egress proxy), the registry, the
 * metadata address and another app's Service. Each attempt prints one line
 * in the build log, and each outcome is asserted from that log; the log
 * must also hold none of the secrets in play (clone token, push credential,
 * sealing key).
 *
 * No packet leaves the test world: the targets are the host's veth address
 * and the node's own Service and pod addresses; 169.254.169.254 is tried
 * only after checking that the node's namespace has no route to it, so
 * the attempt fails inside that namespace.
 *
 * Needs KLI8NT_TEST_REAL_NODE, the local GitHub and the builder images
 * (scripts/images/prepare). Skipped without the node unless
 * KLI8NT_TESTENV=required.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { TEST_SEALING_KEY } from '../build/testFixtures';
import { REPO_ROOT, run } from './__testUtils__/buildah';
import { expectFailed } from './__testUtils__/nodeBuilds';
import {
  describeOnRealNode,
  NodeBuildSuite,
  startNodeBuildSuite,
} from './__testUtils__/nodeSuite';
import { kubectl, NodeBuildWorld } from './__testUtils__/nodeWorld';

const MINUTE = 60_000;
const env = process.env;

const port = (url: string) => Number(new URL(url).port);

/** The KLI8NT-PROBE lines of a build log: name → [outcome, detail]. */
function probeOutcomes(log: string): Map<string, [string, string]> {
  const outcomes = new Map<string, [string, string]>();
  for (const match of log.matchAll(/KLI8NT-PROBE (\S+) (\S+) ?([^\n]*)/g)) {
    outcomes.set(match[1], [match[2], match[3]]);
  }
  return outcomes;
}

describeOnRealNode('a hostile repository on the real node', () => {
  const suffix = randomBytes(3).toString('hex');
  const owner = `hostile-${suffix}`;
  const appNamespace = `kli8nt-hostile-app-${suffix}`;
  const registryMarker = `registry-secret-${randomBytes(8).toString('hex')}`;
  let suite: NodeBuildSuite | undefined;
  let world: NodeBuildWorld;
  let builds: NodeBuildSuite['builds'];
  let app: { serviceIp: string; podIp: string };
  // Made in beforeAll: a skipped suite runs no hooks, so nothing would remove it.
  let work = '';

  /** Another tenant's app on the node: a pod serving a marker, and its Service. */
  async function startOtherApp() {
    await kubectl(['create', 'namespace', appNamespace]);
    const labels = { 'kli8nt.io/app': 'victim' };
    await kubectl(
      ['apply', '-n', appNamespace, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'victim', labels },
            spec: {
              nodeSelector: { 'kli8nt.io/node': 'real' },
              tolerations: [
                {
                  key: 'kli8nt.io/node',
                  value: 'real',
                  effect: 'NoSchedule',
                },
              ],
              automountServiceAccountToken: false,
              containers: [
                {
                  name: 'web',
                  image: `${env.KLI8NT_TEST_NODE_REGISTRY}/library/busybox:1.35.0`,
                  command: [
                    'sh',
                    '-c',
                    'mkdir -p /tmp/www && echo victim-data > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www',
                  ],
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { tcpSocket: { port: 8080 } },
                },
              ],
            },
          },
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'victim' },
            spec: {
              selector: labels,
              ports: [{ port: 80, targetPort: 8080 }],
            },
          },
        ],
      }),
    );
    await kubectl([
      'wait',
      '-n',
      appNamespace,
      '--for=condition=Ready',
      'pod/victim',
      '--timeout=180s',
    ]);
    const pod = JSON.parse(
      await kubectl(['get', '-n', appNamespace, 'pod/victim', '-o', 'json']),
    );
    const svc = JSON.parse(
      await kubectl(['get', '-n', appNamespace, 'svc/victim', '-o', 'json']),
    );
    return { podIp: pod.status.podIP, serviceIp: svc.spec.clusterIP };
  }

  beforeAll(async () => {
    work = tempDir('kli8nt-hostile-');
    suite = await startNodeBuildSuite({
      suffix,
      owner,
      // The only probe whose address is not the test world's own: it may
      // be sent only if the node's namespace drops it (no route out).
      preflight: async () => {
        const route = await run('nsenter', [
          `--net=/var/run/netns/${env.KLI8NT_TEST_NODE_NETNS}`,
          'ip',
          'route',
          'get',
          '169.254.169.254',
        ]);
        if (route.code === 0) {
          throw new Error(
            `the node's namespace routes 169.254.169.254 (${route.output.trim()}): refusing to probe it`,
          );
        }
      },
      prepare: async w => {
        // A push credential with a marker: the registry here is anonymous,
        // so the marker only shows whether the credential leaks.
        await kubectl(
          ['apply', '-n', w.namespace, '-f', '-'],
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: w.config.pushSecretName },
            type: 'kubernetes.io/dockerconfigjson',
            stringData: {
              '.dockerconfigjson': JSON.stringify({
                auths: {
                  [`${env.KLI8NT_TEST_NODE_REGISTRY}`]: {
                    auth: Buffer.from(`kli8nt:${registryMarker}`).toString(
                      'base64',
                    ),
                  },
                },
              }),
            },
          }),
        );
        app = await startOtherApp();
      },
    });
    ({ world, builds } = suite);
  }, 8 * MINUTE);

  afterAll(async () => {
    await suite?.stop();
    await kubectl(['delete', 'namespace', appNamespace, '--wait=false']).catch(
      () => undefined,
    );
  });

  it(
    'finds no credential and reaches nothing it must not; every attempt is in the build log',
    async () => {
      const dir = path.join(work, 'hostile');
      cpSync(
        path.join(REPO_ROOT, 'controllers/src/realbuild/__fixtures__/hostile'),
        dir,
        {
          recursive: true,
        },
      );
      const server = (
        await kubectl([
          'config',
          'view',
          '--minify',
          '-o',
          'jsonpath={.clusters[0].cluster.server}',
        ])
      ).trim();
      const apiserverServiceIp = (
        await kubectl([
          'get',
          'svc',
          'kubernetes',
          '-n',
          'default',
          '-o',
          'jsonpath={.spec.clusterIP}',
        ])
      ).trim();
      const amqpPort = port(env.KLI8NT_TEST_AMQP_URL!);
      writeFileSync(
        path.join(dir, 'targets.json'),
        JSON.stringify({
          hostIp: env.KLI8NT_TEST_NODE_HOST_IP,
          apiserverPort: port(server),
          apiserverServiceIp,
          buildNamespace: world.namespace,
          proxy: suite!.egressProxyNode,
          brokerPorts: {
            amqp: amqpPort,
            // testenv's RabbitMQ distribution port (AMQP + 10).
            'rabbitmq-dist': amqpPort + 10,
            kafka: Number(env.KLI8NT_TEST_KAFKA_BROKERS!.split(':').pop()),
            postgres: port(env.KLI8NT_TEST_PG_URL!),
          },
          registryPort: Number(env.KLI8NT_TEST_NODE_REGISTRY!.split(':').pop()),
          appServiceHost: `victim.${appNamespace}.svc.cluster.local`,
          appServiceIp: app.serviceIp,
          appPodIp: app.podIp,
        }),
      );
      const { deploymentId } = await builds.requestBuild(
        'hostile',
        await builds.pushRepo('hostile', dir),
      );
      const failed = expectFailed(await builds.outcome(deploymentId));
      expect(failed.message).toMatch(/exit code: 42/);
      const log = await builds.buildLog(deploymentId);
      const outcomes = probeOutcomes(log);
      // eslint-disable-next-line no-console
      console.log(
        `hostile repository, outcome of each attempt:\n${[...outcomes]
          .map(([name, [outcome, detail]]) => `  ${name}: ${outcome} ${detail}`)
          .join('\n')}`,
      );
      expect(outcomes.get('done')?.[0]).toBe('done');

      const outcome = (name: string) => outcomes.get(name)?.[0];
      // Credentials: no file, no environment, none in other processes.
      expect(outcome('credential-files')).toBe('nothing');
      expect(outcome('own-env')).toBe('nothing');
      expect(outcome('other-processes')).toBe('nothing');
      // The apiserver answers (the kubelet needs it) but not to a caller
      // without credentials.
      for (const name of ['apiserver-direct', 'apiserver-service']) {
        expect([name, outcome(name)]).toEqual([name, 'denied']);
        expect(outcomes.get(name)?.[1]).toMatch(/HTTP 40[13]/);
      }
      // Brokers and database: on the host's loopback only, and the proxy
      // tunnels to none of them.
      for (const broker of ['amqp', 'rabbitmq-dist', 'kafka', 'postgres']) {
        expect([broker, outcome(`${broker}-host`)]).toEqual([
          broker,
          'refused',
        ]);
        expect([broker, outcome(`${broker}-loopback`)]).toEqual([
          broker,
          'refused',
        ]);
        expect([broker, outcome(`${broker}-proxy`)]).toEqual([
          broker,
          'denied',
        ]);
      }
      // Metadata: dropped inside the node's namespace.
      expect(['unreachable', 'timeout']).toContain(outcome('metadata'));
      // Known limits of the test world, pinned so that a change shows:
      // its registry is anonymous (production registries take the push
      // credential only the push step holds), and its CNI enforces no
      // NetworkPolicy, so the chart's build policy cannot stop a RUN step
      // from reaching another app (use Calico or Cilium in production).
      expect(outcome('registry-anonymous')).toBe('reached');
      expect(outcome('app-service-ip')).toBe('reached');

      // None of the secrets in play is in the log.
      expect(log).not.toMatch(/ghs_[A-Za-z0-9_-]{8,}/);
      expect(log).not.toContain(registryMarker);
      expect(log).not.toContain(
        Buffer.from(`kli8nt:${registryMarker}`).toString('base64'),
      );
      expect(log).not.toContain(TEST_SEALING_KEY);
    },
    20 * MINUTE,
  );
});
