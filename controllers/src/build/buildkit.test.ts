import { BUILDKIT_SCRIPT, buildkitdConfig } from './buildkit';
import { desiredBuild, desiredJob } from './desired';
import { CACHE_RESTORE_SCRIPT, PUSH_SCRIPT } from './push';
import {
  buildkitJobConfig,
  buildRequested,
  DEPLOYMENT_ID,
  REVISION,
} from './testFixtures';

const NOW = new Date('2025-01-02T03:05:05Z');
const CACHE_REF = 'registry.example.com/apps/kli8nt-cache/shop:buildkit';
const resources = {
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { cpu: '2', memory: '4Gi' },
};
const restricted = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const trustedMounts = [
  { name: 'workspace', mountPath: '/workspace' },
  { name: 'trusted-tmp', mountPath: '/tmp' },
  {
    name: 'registry-credential',
    mountPath: '/var/run/kli8nt/registry',
    readOnly: true,
  },
];

function build(overrides: Parameters<typeof buildRequested>[0] = {}) {
  const b = desiredBuild(buildRequested(overrides), 'kli8nt-builds');
  b.metadata.uid = 'build-uid';
  b.metadata.creationTimestamp = '2025-01-02T03:04:05Z' as unknown as Date;
  return b;
}

function pod(config = buildkitJobConfig, b = build()) {
  return desiredJob(b, config, NOW).spec!.template.spec!;
}

describe('desiredJob with the BuildKit builder', () => {
  it('restores the cache, builds rootless without a credential, then pushes', () => {
    const spec = pod();
    expect(spec.initContainers!.map(c => c.name)).toEqual([
      'clone',
      'detect',
      'cache-restore',
      'buildkit',
    ]);
    expect(spec.initContainers![2]).toEqual({
      name: 'cache-restore',
      image: buildkitJobConfig.images.push,
      command: ['/bin/sh', '-c', CACHE_RESTORE_SCRIPT, 'cache-restore'],
      env: [
        { name: 'DOCKER_CONFIG', value: '/var/run/kli8nt/registry' },
        { name: 'HOME', value: '/tmp' },
        { name: 'KLI8NT_CACHE_DIR', value: '/workspace/cache' },
        { name: 'KLI8NT_CACHE_REF', value: CACHE_REF },
      ],
      volumeMounts: trustedMounts,
      securityContext: restricted,
      resources,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(spec.initContainers![3]).toEqual({
      name: 'buildkit',
      image: buildkitJobConfig.images.builder,
      command: ['/bin/sh', '-c', BUILDKIT_SCRIPT, 'buildkit'],
      args: [
        'build',
        '--progress=plain',
        '--frontend=dockerfile.v0',
        '--local=context=/workspace/src',
        '--local=dockerfile=/workspace/src',
        '--opt=filename=Dockerfile',
        `--opt=label:org.opencontainers.image.revision=${REVISION}`,
        '--opt=label:org.opencontainers.image.source=https://github.com/acme/shop.git',
        '--opt=build-arg:API_URL=https://api.example.com',
        '--opt=build-arg:NODE_ENV=production',
        '--output=type=oci,dest=/workspace/image,tar=false',
        `--import-cache=type=local,src=/workspace/cache,tag=${CACHE_REF}`,
        '--export-cache=type=local,dest=/workspace/cache-out,mode=max',
        '--metadata-file=/workspace/build-metadata.json',
      ],
      env: [
        { name: 'HOME', value: '/home/user' },
        { name: 'USER', value: 'user' },
        { name: 'XDG_RUNTIME_DIR', value: '/run/user/1000' },
        { name: 'TMPDIR', value: '/tmp' },
        {
          name: 'BUILDKITD_FLAGS',
          value:
            '--oci-worker-no-process-sandbox --config=/tmp/buildkitd.toml --root=/home/user/.local/share/buildkit/root',
        },
        { name: 'KLI8NT_BUILDKITD_TOML', value: '' },
      ],
      volumeMounts: [
        { name: 'workspace', mountPath: '/workspace' },
        { name: 'buildkit-tmp', mountPath: '/tmp' },
        { name: 'buildkit-run', mountPath: '/run/user/1000' },
        {
          name: 'buildkit-state',
          mountPath: '/home/user/.local/share/buildkit',
        },
      ],
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        allowPrivilegeEscalation: true,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['SETGID', 'SETUID'] },
        seccompProfile: { type: 'Unconfined' },
        appArmorProfile: { type: 'Unconfined' },
      },
      resources,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(spec.containers).toEqual([
      {
        name: 'push',
        image: buildkitJobConfig.images.push,
        command: ['/bin/sh', '-c', PUSH_SCRIPT, 'push'],
        env: [
          { name: 'DOCKER_CONFIG', value: '/var/run/kli8nt/registry' },
          { name: 'HOME', value: '/tmp' },
          { name: 'KLI8NT_IMAGE', value: '/workspace/image' },
          {
            name: 'KLI8NT_IMAGE_REF',
            value: `registry.example.com/apps/shop:${REVISION}`,
          },
          { name: 'KLI8NT_CACHE_DIR', value: '/workspace/cache-out' },
          { name: 'KLI8NT_CACHE_REF', value: CACHE_REF },
        ],
        volumeMounts: trustedMounts,
        securityContext: restricted,
        resources,
        terminationMessagePolicy: 'FallbackToLogsOnError',
        terminationMessagePath: '/dev/termination-log',
      },
    ]);
    expect(spec.volumes).toEqual([
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
      { name: 'buildkit-tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'buildkit-run', emptyDir: { sizeLimit: '16Mi' } },
      { name: 'buildkit-state', emptyDir: { sizeLimit: '10Gi' } },
    ]);
  });

  it('keeps the isolation of every build Job', () => {
    const job = desiredJob(build({ cloneToken: 't' }), buildkitJobConfig, NOW);
    const spec = job.spec!.template.spec!;
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 1740,
      ttlSecondsAfterFinished: 3600,
    });
    expect(spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    expect(job.metadata!.labels!['kli8nt.io/deployment']).toBe(DEPLOYMENT_ID);
    for (const container of [...spec.initContainers!, ...spec.containers]) {
      expect(container.resources).toEqual(resources);
    }
  });

  it('mounts the registry credential only in the trusted steps, and the clone token only in clone', () => {
    const spec = pod(buildkitJobConfig, build({ cloneToken: 't' }));
    const mounting = (volume: string) =>
      [...spec.initContainers!, ...spec.containers]
        .filter(c => c.volumeMounts!.some(m => m.name === volume))
        .map(c => c.name);
    expect(mounting('registry-credential')).toEqual(['cache-restore', 'push']);
    expect(mounting('clone-token')).toEqual(['clone']);
    // Nothing the build step leaves in a tmp volume is read by a trusted step.
    expect(mounting('trusted-tmp')).toEqual(['cache-restore', 'push']);
    expect(mounting('buildkit-tmp')).toEqual(['buildkit']);
  });

  it('builds a named Dockerfile and passes hostile build arguments as single argv entries', () => {
    const b = build({ dockerfilePath: 'docker/prod.Dockerfile' });
    b.spec.buildArgs = { X: '$(rm -rf /) `id` "; echo' };
    const spec = pod(buildkitJobConfig, b);
    expect(spec.initContainers!.map(c => c.name)).toEqual([
      'clone',
      'cache-restore',
      'buildkit',
    ]);
    const args = spec.initContainers![2].args!;
    expect(args).toContain('--opt=filename=docker/prod.Dockerfile');
    expect(args).toContain('--opt=build-arg:X=$(rm -rf /) `id` "; echo');
  });

  it('configures the Docker Hub mirror and plain HTTP only when asked', () => {
    const spec = pod({
      ...buildkitJobConfig,
      insecureRegistry: true,
      dockerHubMirror: '127.0.0.1:5000',
      registry: '127.0.0.1:5000/apps',
    });
    const env = spec.initContainers!.find(c => c.name === 'buildkit')!.env!;
    expect(env.find(e => e.name === 'KLI8NT_BUILDKITD_TOML')!.value).toBe(
      [
        '[registry."docker.io"]',
        '  mirrors = ["127.0.0.1:5000"]',
        '[registry."127.0.0.1:5000"]',
        '  http = true',
        '  insecure = true',
        '',
      ].join('\n'),
    );
    expect(spec.containers[0].command!.slice(-1)).toEqual(['--insecure']);
    expect(spec.initContainers![2].command!.slice(-1)).toEqual(['--insecure']);
  });
});

describe('buildkitdConfig', () => {
  it('lists each plain-HTTP host once, sorted', () => {
    expect(
      buildkitdConfig({
        registry: 'registry.internal:5000/apps',
        insecureRegistry: true,
        dockerHubMirror: 'mirror.internal',
      }),
    ).toBe(
      [
        '[registry."docker.io"]',
        '  mirrors = ["mirror.internal"]',
        '[registry."mirror.internal"]',
        '  http = true',
        '  insecure = true',
        '[registry."registry.internal:5000"]',
        '  http = true',
        '  insecure = true',
        '',
      ].join('\n'),
    );
    expect(
      buildkitdConfig({
        registry: 'registry.example.com/apps',
        insecureRegistry: false,
        dockerHubMirror: undefined,
      }),
    ).toBe('');
  });
});
