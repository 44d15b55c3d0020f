import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * The deploy role's placement of app pods rendered with `helm template` (no
 * cluster needed): `deploy.appNodeSelector` and `deploy.appTolerations`
 * reach the controller as KLI8NT_DEPLOY_NODE_SELECTOR and
 * KLI8NT_DEPLOY_TOLERATIONS, and stay out of the controller's own pod spec.
 * Needs helm on PATH (testenv puts it there); skipped without it unless
 * KLI8NT_TESTENV=required.
 */

const chartDir = path.resolve(__dirname, '..');
const hasHelm =
  spawnSync('sh', ['-c', 'command -v helm'], { stdio: 'ignore' }).status === 0;
const required = process.env.KLI8NT_TESTENV === 'required';
const pinned = (name: string, c: string) =>
  `registry.example.com/mirror/${name}@sha256:${c.repeat(64)}`;

const base = {
  secrets: { amqpUrl: 'amqp://kli8nt:secret@rabbitmq:5672' },
  kafka: { brokers: 'kafka:9092' },
  build: {
    registry: 'registry.example.com/apps',
    kanikoImage: pinned('kaniko', 'a'),
    cloneImage: pinned('git', 'b'),
    pushImage: pinned('crane', 'c'),
  },
};

/** The deploy controller's Deployment as rendered with these values. */
function deployController(deploy: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kli8nt-chart-'));
  try {
    const values = path.join(dir, 'values.json');
    writeFileSync(values, JSON.stringify({ ...base, deploy }));
    const result = spawnSync(
      'helm',
      ['template', 'x', chartDir, '-f', values],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.status !== 0) throw new Error(result.stderr);
    const doc = result.stdout
      .split(/^---$/m)
      .find(d => /name: x-deploy\n/.test(d) && /kind: Deployment/.test(d));
    if (!doc) throw new Error('no deploy controller Deployment rendered');
    const env: Record<string, string> = {};
    for (const m of doc.matchAll(
      /- name: (KLI8NT_DEPLOY_[A-Z_]+)\n\s+value: "?([^"\n]*)"?/g,
    )) {
      env[m[1]] = m[2];
    }
    return { env, doc };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What values.yaml gives every app container. */
const DEFAULT_APP_RESOURCES = {
  KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'cpu=100m,ephemeral-storage=0,memory=128Mi',
  KLI8NT_DEPLOY_DEFAULT_LIMITS: 'cpu=1,ephemeral-storage=1Gi,memory=512Mi',
};

(hasHelm || required ? describe : describe.skip)('deploy app resources', () => {
  it('bounds every app container, ephemeral storage included, by default', () => {
    const { env } = deployController({});
    expect(env).toMatchObject(DEFAULT_APP_RESOURCES);
  });

  it("passes an operator's sizes, each key as set", () => {
    const { env } = deployController({
      appResources: {
        requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
        limits: { cpu: '2', memory: '2Gi', 'ephemeral-storage': '8Gi' },
      },
    });
    expect(env).toMatchObject({
      KLI8NT_DEPLOY_DEFAULT_REQUESTS:
        'cpu=250m,ephemeral-storage=1Gi,memory=256Mi',
      KLI8NT_DEPLOY_DEFAULT_LIMITS: 'cpu=2,ephemeral-storage=8Gi,memory=2Gi',
    });
  });
});

(hasHelm || required ? describe : describe.skip)('deploy app placement', () => {
  it('passes the app node selector and tolerations to the controller', () => {
    const { env, doc } = deployController({
      appNodeSelector: { 'kli8nt.io/node': 'real', pool: 'apps' },
      appTolerations: ['kli8nt.io/node=real:NoSchedule', 'dedicated'],
    });
    expect(env).toEqual({
      KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '600',
      KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: '86400',
      ...DEFAULT_APP_RESOURCES,
      KLI8NT_DEPLOY_NODE_SELECTOR: 'kli8nt.io/node=real,pool=apps',
      KLI8NT_DEPLOY_TOLERATIONS: 'kli8nt.io/node=real:NoSchedule,dedicated',
    });
    // The controller itself is placed by the top-level values only.
    expect(doc).not.toMatch(/^\s+tolerations:/m);
    expect(doc).not.toMatch(/^\s+nodeSelector:/m);
  });

  it('leaves both unset by default', () => {
    expect(deployController({}).env).toEqual({
      KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '600',
      KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: '86400',
      ...DEFAULT_APP_RESOURCES,
    });
  });
});

(hasHelm || required ? describe : describe.skip)('deploy TLS settings', () => {
  const tlsEnv = (doc: string) =>
    [...doc.matchAll(/- name: (KLI8NT_TLS_[A-Z_]+)\n\s+value: "?([^"\n]*)"?/g)]
      .map(m => `${m[1]}=${m[2]}`)
      .sort();

  it('passes an issuer annotation for per-host certificates', () => {
    const { doc } = deployController({
      appsDomain: 'apps.example.com',
      tls: {
        mode: 'cert-manager',
        clusterIssuer: 'acme',
        issuerAnnotation: 'kli8nt.io/tls',
      },
    });
    expect(tlsEnv(doc)).toEqual([
      'KLI8NT_TLS_CLUSTER_ISSUER=acme',
      'KLI8NT_TLS_ISSUER_ANNOTATION=kli8nt.io/tls',
      'KLI8NT_TLS_MODE=cert-manager',
    ]);
  });

  it("leaves cert-manager's annotation to the controller by default", () => {
    expect(tlsEnv(deployController({}).doc)).toEqual([
      'KLI8NT_TLS_CLUSTER_ISSUER=letsencrypt',
      'KLI8NT_TLS_MODE=cert-manager',
    ]);
  });
});
