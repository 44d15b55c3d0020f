import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { clusterWaitError } from '@internal/testenv';

/*
 * The chart installed for real into the test world's kube-apiserver (kwok
 * nodes run the pods): every object is accepted, the controllers roll out,
 * and each role's service account can do what it needs and nothing more.
 */

const chartDir = path.resolve(__dirname, '..');
const available = Boolean(process.env.KUBECONFIG);
const required = process.env.KLI8NT_TESTENV === 'required';

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });

const must = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', timeout: 180_000 });

/**
 * On kwok nodes the rollout takes seconds when the suite runs alone (as
 * scripts/test.sh runs it); the deadline leaves room for a loaded machine.
 */
const INSTALL_TIMEOUT_S = 600;

const requiredValues = [
  '--set',
  'secrets.amqpUrl=amqp://kli8nt:secret@rabbitmq:5672',
  '--set',
  'build.registry=registry.example.com/apps',
  '--set',
  'kafka.brokers=kafka:9092',
  '--set',
  `build.kanikoImage=registry.example.com/mirror/kaniko@sha256:${'a'.repeat(
    64,
  )}`,
  '--set',
  `build.cloneImage=registry.example.com/mirror/git@sha256:${'b'.repeat(64)}`,
  '--set',
  `build.pushImage=registry.example.com/mirror/crane@sha256:${'c'.repeat(64)}`,
];

describe('kli8nt chart', () => {
  if (!available) {
    it('has a cluster unless KLI8NT_TESTENV allows skipping', () => {
      expect(required).toBe(false);
    });
    return;
  }

  const id = randomBytes(3).toString('hex');
  const release = `kli8nt-${id}`;
  const namespace = `kli8nt-system-${id}`;
  const builds = `kli8nt-builds-${id}`;
  const apps = `kli8nt-apps-${id}`;
  const sa = (role: string) =>
    `system:serviceaccount:${namespace}:${release}-${role}`;
  const canI = (role: string, verb: string, resource: string, ns: string) =>
    run('kubectl', [
      'auth',
      'can-i',
      '--as',
      sa(role),
      verb,
      resource,
      '-n',
      ns,
    ]).stdout.trim();

  beforeAll(() => {
    const install = spawnSync(
      'helm',
      [
        'install',
        release,
        chartDir,
        '--namespace',
        namespace,
        '--create-namespace',
        '--set',
        `namespaces.builds=${builds}`,
        '--set',
        `namespaces.apps=${apps}`,
        '--set',
        'logs.replicas=2',
        ...requiredValues,
        '--wait',
        '--timeout',
        `${INSTALL_TIMEOUT_S}s`,
      ],
      { encoding: 'utf8', timeout: (INSTALL_TIMEOUT_S + 30) * 1000 },
    );
    if (install.status !== 0) {
      throw clusterWaitError(
        'helm install --wait',
        namespace,
        install.stderr || install.error,
      );
    }
  }, (INSTALL_TIMEOUT_S + 60) * 1000);

  afterAll(() => {
    run('helm', ['uninstall', release, '--namespace', namespace, '--wait']);
    for (const ns of [namespace, builds, apps]) {
      run('kubectl', ['delete', 'namespace', ns, '--wait=false']);
    }
  }, 150_000);

  it('lints clean', () => {
    const result = run('helm', ['lint', chartDir, ...requiredValues]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  it('refuses to render without the settings it cannot guess', () => {
    const result = run('helm', ['template', 'x', chartDir]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'secrets.amqpUrl (or secrets.existingSecret) is required',
    );
  });

  it('rolls out the three controllers', () => {
    const ready = JSON.parse(
      must('kubectl', [
        'get',
        'deploy,statefulset',
        '-n',
        namespace,
        '-o',
        'json',
      ]),
    ).items.map((o: any) => [o.kind, o.metadata.name, o.status.readyReplicas]);
    expect(ready).toEqual(
      expect.arrayContaining([
        ['Deployment', `${release}-build`, 1],
        ['Deployment', `${release}-deploy`, 1],
        ['StatefulSet', `${release}-logs`, 2],
      ]),
    );
  });

  it('installs the CRDs the controllers watch', () => {
    const crds = must('kubectl', ['get', 'crd', '-o', 'name']);
    expect(crds).toContain('builds.kli8nt.io');
    expect(crds).toContain('apps.kli8nt.io');
  });

  it('grants each role what it needs, in its own namespace only', () => {
    expect(canI('build', 'create', 'jobs.batch', builds)).toBe('yes');
    expect(canI('build', 'get', 'pods/log', builds)).toBe('yes');
    expect(canI('build', 'delete', 'builds.kli8nt.io', builds)).toBe('yes');
    expect(canI('build', 'create', 'jobs.batch', apps)).toBe('no');
    expect(canI('build', 'create', 'deployments.apps', builds)).toBe('no');

    expect(canI('deploy', 'patch', 'deployments.apps', apps)).toBe('yes');
    expect(canI('deploy', 'patch', 'apps.kli8nt.io/status', apps)).toBe('yes');
    expect(canI('deploy', 'create', 'ingresses.networking.k8s.io', apps)).toBe(
      'yes',
    );
    expect(canI('deploy', 'get', 'secrets', builds)).toBe('no');

    // Events on the Builds and Apps each role reconciles, nowhere else.
    for (const verb of ['create', 'patch', 'get']) {
      expect(canI('build', verb, 'events', builds)).toBe('yes');
      expect(canI('deploy', verb, 'events', apps)).toBe('yes');
    }
    expect(canI('build', 'create', 'events', apps)).toBe('no');
    expect(canI('deploy', 'create', 'events', builds)).toBe('no');
    expect(canI('deploy', 'delete', 'events', apps)).toBe('no');
    // Its apps' env Secrets by name only: it cannot enumerate their values.
    for (const verb of ['get', 'create', 'patch', 'delete']) {
      expect(canI('deploy', verb, 'secrets', apps)).toBe('yes');
    }
    expect(canI('deploy', 'list', 'secrets', apps)).toBe('no');
    expect(canI('deploy', 'watch', 'secrets', apps)).toBe('no');

    expect(canI('logs', 'get', 'pods/log', apps)).toBe('yes');
    expect(canI('logs', 'get', 'pods/log', builds)).toBe('yes');
    expect(canI('logs', 'get', 'secrets', apps)).toBe('no');
    expect(canI('logs', 'list', 'pods', 'kube-system')).toBe('no');
  });

  it('lets the build and deploy roles elect a leader, with probes and a surge-first rollout', () => {
    for (const role of ['build', 'deploy']) {
      expect(
        canI(role, 'update', 'leases.coordination.k8s.io', namespace),
      ).toBe('yes');
      expect(canI(role, 'update', 'leases.coordination.k8s.io', apps)).toBe(
        'no',
      );
      const deployment = JSON.parse(
        must('kubectl', [
          'get',
          'deploy',
          `${release}-${role}`,
          '-n',
          namespace,
          '-o',
          'json',
        ]),
      );
      expect(deployment.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      const [container] = deployment.spec.template.spec.containers;
      expect(container.readinessProbe.httpGet).toEqual({
        path: '/readyz',
        port: 'health',
        scheme: 'HTTP',
      });
      expect(container.livenessProbe.httpGet.path).toBe('/livez');
      expect(
        container.env.find((e: any) => e.name === 'POD_NAME').valueFrom,
      ).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
    }
  });

  it('isolates build pods: no ingress, egress to DNS and the registry ports only', () => {
    const policy = JSON.parse(
      must('kubectl', [
        'get',
        'networkpolicy',
        `${release}-builds`,
        '-n',
        builds,
        '-o',
        'json',
      ]),
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress ?? []).toEqual([]);
    expect(policy.spec.egress[1].to[0].ipBlock.except).toContain(
      '169.254.0.0/16',
    );
  });

  it('gives the logs replicas one shard each', () => {
    const env = JSON.parse(
      must('kubectl', [
        'get',
        'statefulset',
        `${release}-logs`,
        '-n',
        namespace,
        '-o',
        'json',
      ]),
    ).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'KLI8NT_LOGS_SHARD_COUNT', value: '2' });
  });
});
