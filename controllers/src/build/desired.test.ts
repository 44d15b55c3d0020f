import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CLONE_HEADER_KEY,
  CLONE_SCRIPT,
  cloneSecretOwnership,
  desiredBuild,
  desiredCloneSecret,
  desiredJob,
  remainingBuildSeconds,
} from './desired';
import { PUSH_SCRIPT } from './push';
import {
  buildRequested,
  DEPLOYMENT_ID,
  buildkitJobConfig,
  jobConfig,
  REVISION,
} from './testFixtures';

const NAME = `build-${DEPLOYMENT_ID}`;
const LABELS = {
  'app.kubernetes.io/managed-by': 'kli8nt',
  'kli8nt.io/app': 'shop',
  'backstage.io/kubernetes-id': 'shop',
  'kli8nt.io/role': 'build',
  'kli8nt.io/deployment': DEPLOYMENT_ID,
};
const CREATED = '2025-01-02T03:04:05Z';
const NOW = new Date('2025-01-02T03:05:05Z');

function build(overrides: Parameters<typeof buildRequested>[0] = {}) {
  const b = desiredBuild(buildRequested(overrides), 'kli8nt-builds');
  b.metadata.uid = 'build-uid';
  b.metadata.creationTimestamp = CREATED as unknown as Date;
  return b;
}

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const resources = {
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { cpu: '2', memory: '4Gi' },
};

describe('desiredBuild', () => {
  it('carries the request, without the clone token', () => {
    const b = desiredBuild(
      buildRequested({ cloneToken: 'ghs_secret' }),
      'kli8nt-builds',
    );
    expect(b).toEqual({
      apiVersion: 'kli8nt.io/v1alpha1',
      kind: 'Build',
      metadata: { name: NAME, namespace: 'kli8nt-builds', labels: LABELS },
      spec: {
        deploymentId: DEPLOYMENT_ID,
        app: 'shop',
        entityRef: 'component:default/shop',
        cluster: 'prod',
        repo: {
          owner: 'acme',
          name: 'shop',
          cloneUrl: 'https://github.com/acme/shop.git',
        },
        revision: REVISION,
        ref: 'main',
        buildArgs: {
          NODE_ENV: 'production',
          API_URL: 'https://api.example.com',
        },
        config: {
          port: 3000,
          replicas: 1,
          domains: [],
          env: { LOG_LEVEL: 'info' },
          secretEnv: {},
        },
        cloneSecretName: `${NAME}-clone`,
      },
    });
    expect(JSON.stringify(b)).not.toContain('ghs_secret');
  });

  it('names no clone Secret for a public repository, and keeps a dockerfile path', () => {
    const b = desiredBuild(
      buildRequested({ dockerfilePath: 'docker/prod.Dockerfile' }),
      'ns',
    );
    expect(b.spec.cloneSecretName).toBeUndefined();
    expect(b.spec.dockerfilePath).toBe('docker/prod.Dockerfile');
  });
});

describe('desiredCloneSecret', () => {
  it('holds the header line git sends, as basic auth for x-access-token', () => {
    const secret = desiredCloneSecret(
      buildRequested({ cloneToken: 'ghs_secret' }),
      'kli8nt-builds',
      'ghs_secret',
    );
    const header = `Authorization: Basic ${Buffer.from(
      'x-access-token:ghs_secret',
    ).toString('base64')}`;
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `${NAME}-clone`,
        namespace: 'kli8nt-builds',
        labels: LABELS,
      },
      type: 'Opaque',
      immutable: true,
      data: {
        [CLONE_HEADER_KEY]: Buffer.from(header).toString('base64'),
      },
    });
  });

  it('is owned by the Job once that exists', () => {
    const b = build({ cloneToken: 'ghs_secret' });
    expect(
      cloneSecretOwnership(b, { metadata: { name: NAME, uid: 'job-uid' } }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `${NAME}-clone`,
        namespace: 'kli8nt-builds',
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: NAME,
            uid: 'job-uid',
            blockOwnerDeletion: false,
          },
        ],
      },
    });
  });
});

describe('desiredJob', () => {
  it('builds clone → detect → kaniko → push in an isolated, bounded Job', () => {
    expect(desiredJob(build({ cloneToken: 't' }), jobConfig, NOW)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: NAME,
        namespace: 'kli8nt-builds',
        labels: LABELS,
        ownerReferences: [
          {
            apiVersion: 'kli8nt.io/v1alpha1',
            kind: 'Build',
            name: NAME,
            uid: 'build-uid',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        backoffLimit: 0,
        // 1800 s from the Build's creation, one minute of which has passed.
        activeDeadlineSeconds: 1740,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: LABELS },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              fsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            initContainers: [
              {
                name: 'clone',
                image: jobConfig.images.clone,
                command: ['/bin/sh', '-c', CLONE_SCRIPT],
                env: [
                  { name: 'KLI8NT_SOURCE_DIR', value: '/workspace/src' },
                  {
                    name: 'KLI8NT_CLONE_URL',
                    value: 'https://github.com/acme/shop.git',
                  },
                  { name: 'KLI8NT_REVISION', value: REVISION },
                  { name: 'HOME', value: '/tmp' },
                  { name: 'GIT_TERMINAL_PROMPT', value: '0' },
                  { name: 'GIT_CONFIG_NOSYSTEM', value: '1' },
                  {
                    name: 'KLI8NT_HEADER_FILE',
                    value: '/var/run/kli8nt/clone/http-extraheader',
                  },
                ],
                volumeMounts: [
                  { name: 'workspace', mountPath: '/workspace' },
                  { name: 'tmp', mountPath: '/tmp' },
                  {
                    name: 'clone-token',
                    mountPath: '/var/run/kli8nt/clone',
                    readOnly: true,
                  },
                ],
                securityContext: restricted,
                resources,
                terminationMessagePolicy: 'FallbackToLogsOnError',
              },
              {
                name: 'detect',
                image: jobConfig.images.detect,
                command: [
                  'kli8nt-detect',
                  '--write',
                  '--plan-file',
                  '/dev/termination-log',
                  '/workspace/src',
                ],
                terminationMessagePath: '/dev/termination-log',
                env: [{ name: 'HOME', value: '/tmp' }],
                volumeMounts: [
                  { name: 'workspace', mountPath: '/workspace' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                securityContext: restricted,
                resources,
                terminationMessagePolicy: 'FallbackToLogsOnError',
              },
              {
                name: 'kaniko',
                image: jobConfig.images.builder,
                args: [
                  '--context=dir:///workspace/src',
                  '--dockerfile=/workspace/src/Dockerfile',
                  `--destination=registry.example.com/apps/shop:${REVISION}`,
                  '--no-push',
                  '--tar-path=/workspace/image.tar',
                  `--label=org.opencontainers.image.revision=${REVISION}`,
                  '--label=org.opencontainers.image.source=https://github.com/acme/shop.git',
                  '--build-arg=API_URL=https://api.example.com',
                  '--build-arg=NODE_ENV=production',
                ],
                // No registry credential: the repository's RUN steps run here.
                volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
                securityContext: {
                  runAsUser: 0,
                  runAsGroup: 0,
                  runAsNonRoot: false,
                  allowPrivilegeEscalation: false,
                  capabilities: {
                    drop: ['ALL'],
                    add: [
                      'CHOWN',
                      'DAC_OVERRIDE',
                      'FOWNER',
                      'FSETID',
                      'KILL',
                      'MKNOD',
                      'SETFCAP',
                      'SETGID',
                      'SETPCAP',
                      'SETUID',
                      'NET_BIND_SERVICE',
                      'SYS_CHROOT',
                      'AUDIT_WRITE',
                    ],
                  },
                },
                resources,
                terminationMessagePolicy: 'FallbackToLogsOnError',
              },
            ],
            containers: [
              {
                name: 'push',
                image: jobConfig.images.push,
                command: ['/bin/sh', '-c', PUSH_SCRIPT, 'push'],
                env: [
                  { name: 'DOCKER_CONFIG', value: '/var/run/kli8nt/registry' },
                  { name: 'HOME', value: '/tmp' },
                  { name: 'KLI8NT_IMAGE', value: '/workspace/image.tar' },
                  {
                    name: 'KLI8NT_IMAGE_REF',
                    value: `registry.example.com/apps/shop:${REVISION}`,
                  },
                ],
                volumeMounts: [
                  { name: 'workspace', mountPath: '/workspace' },
                  { name: 'trusted-tmp', mountPath: '/tmp' },
                  {
                    name: 'registry-credential',
                    mountPath: '/var/run/kli8nt/registry',
                    readOnly: true,
                  },
                ],
                securityContext: restricted,
                resources,
                terminationMessagePolicy: 'FallbackToLogsOnError',
                terminationMessagePath: '/dev/termination-log',
              },
            ],
            volumes: [
              { name: 'workspace', emptyDir: { sizeLimit: '10Gi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
              { name: 'trusted-tmp', emptyDir: { sizeLimit: '16Mi' } },
              {
                name: 'registry-credential',
                secret: {
                  secretName: 'kli8nt-registry',
                  items: [{ key: '.dockerconfigjson', path: 'config.json' }],
                  defaultMode: 0o440,
                },
              },
              {
                name: 'clone-token',
                secret: { secretName: `${NAME}-clone`, defaultMode: 0o440 },
              },
            ],
          },
        },
      },
    });
  });

  it('mounts no token for a public repository', () => {
    const job = desiredJob(build(), jobConfig, NOW);
    const pod = job.spec!.template.spec!;
    expect(pod.volumes!.map(v => v.name)).toEqual([
      'workspace',
      'tmp',
      'trusted-tmp',
      'registry-credential',
    ]);
    const clone = pod.initContainers![0];
    expect(clone.env!.map(e => e.name)).not.toContain('KLI8NT_HEADER_FILE');
    expect(clone.volumeMounts!.map(m => m.name)).toEqual(['workspace', 'tmp']);
  });

  it('skips detection and builds the named Dockerfile when the repo brings one', () => {
    const job = desiredJob(
      build({ dockerfilePath: 'docker/prod.Dockerfile' }),
      jobConfig,
      NOW,
    );
    const pod = job.spec!.template.spec!;
    expect(pod.initContainers!.map(c => c.name)).toEqual(['clone', 'kaniko']);
    expect(pod.initContainers![1].args).toContain(
      '--dockerfile=/workspace/src/docker/prod.Dockerfile',
    );
  });

  it('uses plain HTTP and a Docker Hub mirror only when configured, and pins build nodes', () => {
    const job = desiredJob(
      build(),
      {
        ...jobConfig,
        insecureRegistry: true,
        dockerHubMirror: 'mirror.internal:5000',
        nodeSelector: { 'kli8nt.io/pool': 'builds' },
      },
      NOW,
    );
    const pod = job.spec!.template.spec!;
    expect(pod.initContainers![2].args!.slice(-2)).toEqual([
      '--registry-mirror=mirror.internal:5000',
      '--insecure-pull',
    ]);
    expect(pod.containers[0].command).toEqual([
      '/bin/sh',
      '-c',
      PUSH_SCRIPT,
      'push',
      '--insecure',
    ]);
    expect(pod.nodeSelector).toEqual({ 'kli8nt.io/pool': 'builds' });
    expect(
      desiredJob(build(), jobConfig, NOW).spec!.template.spec!.nodeSelector,
    ).toBeUndefined();
  });

  it.each([
    ['kaniko', jobConfig],
    ['buildkit', buildkitJobConfig],
  ])(
    'bounds the ephemeral storage of every %s step, the trusted ones too',
    (_builder, base) => {
      const bounded = {
        requests: { ...resources.requests, 'ephemeral-storage': '2Gi' },
        limits: { ...resources.limits, 'ephemeral-storage': '20Gi' },
      };
      const pod = desiredJob(build(), { ...base, resources: bounded }, NOW)
        .spec!.template.spec!;
      const steps = [...pod.initContainers!, ...pod.containers];
      expect(steps.length).toBeGreaterThanOrEqual(4);
      for (const step of steps) {
        expect([step.name, step.resources]).toEqual([step.name, bounded]);
      }
    },
  );

  it('passes hostile build arguments as single argv entries', () => {
    const b = build();
    b.spec.buildArgs = { X: '$(rm -rf /) `id` "; echo' };
    const args = desiredJob(b, jobConfig, NOW).spec!.template.spec!
      .initContainers![2].args!;
    expect(args).toContain('--build-arg=X=$(rm -rf /) `id` "; echo');
    expect(
      desiredJob(b, jobConfig, NOW).spec!.template.spec!.initContainers![0]
        .command,
    ).toEqual(['/bin/sh', '-c', CLONE_SCRIPT]);
  });

  it('counts the deadline from the Build creation, with at least one second left', () => {
    const b = build();
    expect(remainingBuildSeconds(b, jobConfig, new Date(CREATED))).toBe(1800);
    expect(
      remainingBuildSeconds(b, jobConfig, new Date('2025-01-02T03:34:05Z')),
    ).toBe(0);
    const late = desiredJob(b, jobConfig, new Date('2025-01-02T05:00:00Z'));
    expect(late.spec!.activeDeadlineSeconds).toBe(1);
  });

  it('is the same object for the same inputs', () => {
    expect(desiredJob(build(), jobConfig, NOW)).toEqual(
      desiredJob(build(), jobConfig, NOW),
    );
  });
});

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]) {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
  return stdout.trim();
}

async function gitAvailable() {
  try {
    await run('git', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('CLONE_SCRIPT', () => {
  let hasGit = false;
  beforeAll(async () => {
    hasGit = await gitAvailable();
    if (!hasGit && process.env.CI) {
      throw new Error('git is needed to test the clone script');
    }
  });

  async function cloneScript(env: Record<string, string>) {
    const workspace = mkdtempSync(join(tmpdir(), 'kli8nt-clone-'));
    const source = join(workspace, 'src');
    const result = await run('/bin/sh', ['-c', CLONE_SCRIPT], {
      env: {
        PATH: process.env.PATH!,
        HOME: workspace,
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        KLI8NT_SOURCE_DIR: source,
        ...env,
      },
    }).then(
      ok => ({ ...ok, code: 0 }),
      error => error as { stdout: string; stderr: string; code: number },
    );
    return { ...result, source };
  }

  it('checks out exactly the commit, without .git', async () => {
    if (!hasGit) return;
    const repo = mkdtempSync(join(tmpdir(), 'kli8nt-repo-'));
    await git(repo, 'init', '--quiet');
    writeFileSync(join(repo, 'a.txt'), 'first');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '--quiet', '-m', 'first');
    const first = await git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'b.txt'), 'second');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '--quiet', '-m', 'second');

    const result = await cloneScript({
      KLI8NT_CLONE_URL: `file://${repo}`,
      KLI8NT_REVISION: first,
    });
    expect(result.stdout).toContain(`cloned ${first}`);
    expect(readdirSync(result.source).sort()).toEqual(['a.txt']);
    expect(existsSync(join(result.source, '.git'))).toBe(false);
  });

  it('sends the token as a header, never in the URL or the output', async () => {
    if (!hasGit) return;
    const seen: Array<{ url?: string; authorization?: string }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const secretDir = mkdtempSync(join(tmpdir(), 'kli8nt-secret-'));
    const header = desiredCloneSecret(
      buildRequested({ cloneToken: 'ghs_TOPSECRET' }),
      'ns',
      'ghs_TOPSECRET',
    ).data![CLONE_HEADER_KEY];
    writeFileSync(
      join(secretDir, CLONE_HEADER_KEY),
      Buffer.from(header, 'base64').toString(),
    );
    try {
      const result = await cloneScript({
        KLI8NT_CLONE_URL: `http://127.0.0.1:${port}/acme/shop.git`,
        KLI8NT_REVISION: REVISION,
        KLI8NT_HEADER_FILE: join(secretDir, CLONE_HEADER_KEY),
      });
      expect(result.code).not.toBe(0);
      const output = `${result.stdout}${result.stderr}`;
      expect(output).not.toContain('ghs_TOPSECRET');
      expect(output).not.toContain(
        Buffer.from('x-access-token:ghs_TOPSECRET').toString('base64'),
      );
    } finally {
      server.close();
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.url).not.toContain('TOPSECRET');
      expect(request.authorization).toBe(
        `Basic ${Buffer.from('x-access-token:ghs_TOPSECRET').toString(
          'base64',
        )}`,
      );
    }
  });
});
