/*
 * The real node of `testenv up` (lib/node.sh): pods really run, Services
 * really route, cluster DNS really answers, logs come from containerd —
 * and everything stays inside the node's network namespace.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { readTestEnv, TestEnv, TestRealNode } from './index';

const env = readTestEnv();
if (
  env &&
  !env.realNode &&
  process.env.KLI8NT_TESTENV === 'required' &&
  process.env.KLI8NT_TESTENV_NODE !== 'off'
) {
  throw new Error(
    'KLI8NT_TESTENV=required but KLI8NT_TEST_REAL_NODE is not set ' +
      '(a testenv without lib/node.sh? KLI8NT_TESTENV_NODE=off skips this suite)',
  );
}
const describeWithNode = env?.realNode ? describe : describe.skip;
const suffix = randomBytes(4).toString('hex');
const run = promisify(execFile);

jest.setTimeout(240_000);

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${String(last ?? '')}`);
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

describeWithNode('testenv real node', () => {
  const te = env as TestEnv;
  const node = te.realNode as TestRealNode;
  const ns = `testenv-node-${suffix}`;
  const kubectl = async (args: string[], input?: unknown) => {
    const bin = te.binDir ? `${te.binDir}/kubectl` : 'kubectl';
    const child = run(bin, ['--kubeconfig', te.kubeconfig, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    if (input !== undefined) child.child.stdin!.end(JSON.stringify(input));
    return (await child).stdout;
  };
  const getJson = async (...args: string[]) =>
    JSON.parse(await kubectl(['get', '-o', 'json', ...args]));
  const inNode = async (...args: string[]) =>
    (
      await run('nsenter', [
        `--net=/var/run/netns/${node.netns}`,
        '--',
        ...args,
      ])
    ).stdout;
  const onRealNode = {
    nodeSelector: { 'kli8nt.io/node': 'real' },
    tolerations: [
      {
        key: 'kli8nt.io/node',
        operator: 'Equal',
        value: 'real',
        effect: 'NoSchedule',
      },
    ],
  };
  const busyboxTag = node.busyboxImage.split(':').pop();

  beforeAll(async () => {
    await kubectl(['create', 'namespace', ns]);
    await waitFor('default ServiceAccount', () =>
      kubectl(['-n', ns, 'get', 'serviceaccount', 'default']),
    );
  });
  afterAll(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  });

  it('is a Ready containerd node, labelled and tainted, at the namespace address', async () => {
    const n = await getJson('node', node.name);
    const ready = n.status.conditions.find(
      (c: { type: string }) => c.type === 'Ready',
    );
    expect(ready.status).toBe('True');
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:/);
    expect(n.status.nodeInfo.kubeletVersion).toBe('v1.34.4');
    expect(n.metadata.labels['kli8nt.io/node']).toBe('real');
    expect(n.spec.taints).toContainEqual({
      key: 'kli8nt.io/node',
      value: 'real',
      effect: 'NoSchedule',
    });
    expect(n.status.addresses).toContainEqual({
      type: 'InternalIP',
      address: node.nodeIp,
    });
  });

  it('is contained: no default route in the namespace, unreachable pod and Service CIDRs on the host', async () => {
    const routes = await inNode('ip', '-4', 'route', 'show');
    expect(routes).not.toMatch(/^default/m);
    // Only connected routes: the pod bridge and the veth's /30. The bridge
    // shows `linkdown` while no pod is attached to it (e.g. after another
    // suite's pods are gone); that is not a difference in routing.
    const lines = routes
      .trim()
      .split('\n')
      .map(l => l.trim().replace(/ linkdown$/, ''))
      .sort();
    expect(lines).toEqual([
      '10.245.0.0/24 dev cni0 proto kernel scope link src 10.245.0.1',
      `${node.hostIp.replace(/\.\d+$/, '')}.${
        Number(node.hostIp.split('.')[3]) - 1
      }/30 dev eth0 proto kernel scope link src ${node.nodeIp}`,
    ]);
    const host = (await run('ip', ['-4', 'route', 'show'])).stdout;
    for (const cidr of ['10.245.0.0/16', '10.244.0.0/16', '10.96.0.0/16']) {
      expect(host).toContain(`unreachable ${cidr}`);
    }
  });

  it('runs a Deployment from the registry that answers by ClusterIP and DNS name, with logs', async () => {
    // Through the docker.io mirror: a public name served by the registry.
    const serverImage = `docker.io/library/busybox:${busyboxTag}`;
    await kubectl(['apply', '-n', ns, '-f', '-'], {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            ...onRealNode,
            containers: [
              {
                name: 'web',
                image: serverImage,
                command: [
                  'sh',
                  '-c',
                  `mkdir -p /www && echo "hello ${suffix} from $(hostname)" > /www/index.html && ` +
                    `echo "web ${suffix} started" && exec httpd -f -v -p 8080 -h /www`,
                ],
                ports: [{ containerPort: 8080 }],
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
    await kubectl(['apply', '-n', ns, '-f', '-'], {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    });
    // Through the registry's own host:port name, as the build role pushes.
    await kubectl(['apply', '-n', ns, '-f', '-'], {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client' },
      spec: {
        ...onRealNode,
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'client',
            image: node.busyboxImage,
            command: ['sleep', '3600'],
          },
        ],
      },
    });
    await kubectl([
      '-n',
      ns,
      'wait',
      '--for=condition=Available',
      '--timeout=180s',
      'deployment/web',
    ]);
    await kubectl([
      '-n',
      ns,
      'wait',
      '--for=condition=Ready',
      '--timeout=120s',
      'pod/client',
    ]);

    const pods = await getJson('-n', ns, 'pods', '-l', 'app=web');
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0];
    expect(pod.spec.nodeName).toBe(node.name);
    expect(pod.status.podIP).toMatch(/^10\.245\./);

    const svc = await getJson('-n', ns, 'service', 'web');
    const clusterIp: string = svc.spec.clusterIP;
    expect(clusterIp).toMatch(/^10\.96\./);
    const fetchFromClient = (url: string) =>
      waitFor(
        `${url} from the client pod`,
        async () => {
          // `timeout`, not wget -T: Debian's static busybox 1.35 wget
          // segfaults with -T.
          const out = await kubectl([
            '-n',
            ns,
            'exec',
            'client',
            '--',
            'timeout',
            '5',
            'wget',
            '-qO-',
            url,
          ]);
          return out.includes(suffix) ? out : undefined;
        },
        60_000,
      );

    const byIp = await fetchFromClient(`http://${clusterIp}/`);
    expect(byIp).toBe(`hello ${suffix} from ${pod.metadata.name}\n`);
    const byName = await fetchFromClient(`http://web.${ns}.svc.cluster.local/`);
    expect(byName).toBe(byIp);
    const short = await fetchFromClient('http://web/'); // the pod's search path
    expect(short).toBe(byIp);

    // Cluster DNS answers its zones only; nothing is asked upstream.
    const external = await kubectl([
      '-n',
      ns,
      'exec',
      'client',
      '--',
      'nslookup',
      'registry.npmjs.org.',
    ]).then(
      () => 'resolved',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(external).toContain(node.nodeIp); // the server that was asked
    expect(external).toContain('REFUSED');

    const logs = await kubectl(['-n', ns, 'logs', pod.metadata.name]);
    expect(logs).toContain(`web ${suffix} started`);
  });

  it('runs a Job to completion and reports a failing one as failed', async () => {
    const job = (name: string, script: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            ...onRealNode,
            restartPolicy: 'Never',
            containers: [
              {
                name: 'main',
                image: node.busyboxImage,
                command: ['sh', '-c', script],
              },
            ],
          },
        },
      },
    });
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      job('ok', `echo done ${suffix}`),
    );
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      job('bad', 'echo failing >&2; exit 3'),
    );
    await kubectl([
      '-n',
      ns,
      'wait',
      '--for=condition=Complete',
      '--timeout=120s',
      'job/ok',
    ]);
    await kubectl([
      '-n',
      ns,
      'wait',
      '--for=condition=Failed',
      '--timeout=120s',
      'job/bad',
    ]);
    expect(await kubectl(['-n', ns, 'logs', 'job/ok'])).toBe(
      `done ${suffix}\n`,
    );
    const pods = await getJson('-n', ns, 'pods', '-l', 'job-name=bad');
    const terminated =
      pods.items[0].status.containerStatuses[0].state.terminated;
    expect(terminated.exitCode).toBe(3);
  });

  it('reaches the API server through the kubernetes Service from a pod', async () => {
    // busybox wget does not verify certificates; the route is what counts.
    const out = await waitFor(
      'https://kubernetes.default.svc/livez',
      async () => {
        const r = await kubectl([
          '-n',
          ns,
          'exec',
          'client',
          '--',
          'timeout',
          '5',
          'wget',
          '-qO-',
          'https://kubernetes.default.svc/livez',
        ]);
        return r === 'ok' ? r : undefined;
      },
      60_000,
    );
    expect(out).toBe('ok');
  });
});
