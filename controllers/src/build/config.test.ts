import { ConfigError, readControllerConfig } from '../config';

const kaniko = `mirror.example.com/kaniko@sha256:${'a'.repeat(64)}`;
const git = `mirror.example.com/git@sha256:${'b'.repeat(64)}`;
const crane = `mirror.example.com/crane@sha256:${'c'.repeat(64)}`;
const buildkit = `mirror.example.com/buildkit@sha256:${'d'.repeat(64)}`;

const minimal = {
  KLI8NT_CLUSTER: 'prod',
  KLI8NT_AMQP_URL: 'amqp://guest:guest@rabbitmq:5672',
  KLI8NT_BUILD_REGISTRY: 'registry.example.com/apps',
  KLI8NT_BUILD_DETECT_IMAGE: 'registry.example.com/kli8nt/controllers:1.0.0',
  KLI8NT_BUILD_KANIKO_IMAGE: kaniko,
  KLI8NT_BUILD_CLONE_IMAGE: git,
  KLI8NT_BUILD_PUSH_IMAGE: crane,
};

describe('build role configuration', () => {
  it('reads the build role with its defaults', () => {
    expect(readControllerConfig('build', minimal)).toEqual({
      shared: expect.objectContaining({ cluster: 'prod' }),
      role: {
        clusters: ['prod'],
        namespace: 'kli8nt-builds',
        registry: 'registry.example.com/apps',
        cacheRepo: 'registry.example.com/apps/kli8nt-cache',
        builder: 'kaniko',
        pushSecretName: 'kli8nt-registry',
        insecureRegistry: false,
        dockerHubMirror: undefined,
        images: {
          builder: kaniko,
          clone: git,
          detect: 'registry.example.com/kli8nt/controllers:1.0.0',
          push: crane,
        },
        deadlineSeconds: 1800,
        ttlSecondsAfterFinished: 3600,
        digestGraceMs: 30_000,
        resources: {
          requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '0' },
          limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '20Gi' },
        },
        workspaceSize: '10Gi',
        nodeSelector: {},
        tolerations: [],
        caConfigMap: undefined,
        sealingKeys: [],
        proxy: {},
        amqp: {
          url: 'amqp://guest:guest@rabbitmq:5672',
          exchange: 'kli8nt',
          deadLetterExchange: 'kli8nt.dlx',
          deadLetterQueue: 'kli8nt.dlq',
          deliveryLimit: 5,
          prefetch: 10,
          reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 },
        },
      },
    });
  });

  it('reads overrides', () => {
    const { role, shared } = readControllerConfig('build', {
      ...minimal,
      KLI8NT_WORKERS: '4',
      KLI8NT_RESYNC_SECONDS: '60',
      KLI8NT_BUILD_CLUSTERS: 'prod, staging',
      KLI8NT_BUILD_INSECURE_REGISTRY: 'true',
      KLI8NT_BUILD_NODE_SELECTOR: 'kli8nt.io/pool=builds, disk=ssd',
      KLI8NT_BUILD_KANIKO_IMAGE: `mirror.local/kaniko@sha256:${'e'.repeat(64)}`,
      KLI8NT_BUILD_DEADLINE_SECONDS: '600',
      KLI8NT_AMQP_DELIVERY_LIMIT: '3',
    });
    expect(shared).toMatchObject({ workers: 4, resyncMs: 60_000 });
    expect(role).toMatchObject({
      clusters: ['prod', 'staging'],
      insecureRegistry: true,
      nodeSelector: { 'kli8nt.io/pool': 'builds', disk: 'ssd' },
      images: { builder: `mirror.local/kaniko@sha256:${'e'.repeat(64)}` },
      deadlineSeconds: 600,
      amqp: { deliveryLimit: 3 },
    });
  });

  it("reads the build steps' ephemeral storage and refuses a non-quantity", () => {
    const { role } = readControllerConfig('build', {
      ...minimal,
      KLI8NT_BUILD_EPHEMERAL_STORAGE_REQUEST: '4Gi',
      KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: '40Gi',
    });
    expect(role.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '4Gi' },
      limits: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '40Gi' },
    });
    expect(() =>
      readControllerConfig('build', {
        ...minimal,
        KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: 'lots',
      }),
    ).toThrow(
      'KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT: expected a Kubernetes quantity such as 500m or 512Mi, got "lots"',
    );
  });

  it('takes the BuildKit builder, its image and a Docker Hub mirror', () => {
    const { role } = readControllerConfig('build', {
      ...minimal,
      KLI8NT_BUILD_KANIKO_IMAGE: undefined,
      KLI8NT_BUILD_BUILDER: 'buildkit',
      KLI8NT_BUILD_BUILDKIT_IMAGE: buildkit,
      KLI8NT_BUILD_DOCKER_HUB_MIRROR: '127.0.0.1:5000',
    });
    expect(role).toMatchObject({
      builder: 'buildkit',
      dockerHubMirror: '127.0.0.1:5000',
      images: { builder: buildkit, push: crane },
    });
  });

  it('reads tolerations, the clone CA, the build proxy and the sealing keys', () => {
    const { role } = readControllerConfig('build', {
      ...minimal,
      KLI8NT_BUILD_TOLERATIONS:
        'kli8nt.io/node=real:NoSchedule, dedicated:NoExecute,gpu',
      KLI8NT_BUILD_CA_CONFIGMAP: 'ghe-ca',
      KLI8NT_BUILD_HTTP_PROXY: 'http://proxy.corp:3128',
      KLI8NT_BUILD_HTTPS_PROXY: 'http://user:s3cret@proxy.corp:3128',
      KLI8NT_BUILD_NO_PROXY: '.corp,10.0.0.0/8,localhost',
      KLI8NT_SEALING_KEYS: ' k1, k2 ,',
    });
    expect(role).toMatchObject({
      sealingKeys: ['k1', 'k2'],
      tolerations: [
        {
          key: 'kli8nt.io/node',
          operator: 'Equal',
          value: 'real',
          effect: 'NoSchedule',
        },
        { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
        { key: 'gpu', operator: 'Exists' },
      ],
      caConfigMap: 'ghe-ca',
      proxy: {
        httpProxy: 'http://proxy.corp:3128',
        httpsProxy: 'http://user:s3cret@proxy.corp:3128',
        noProxy: '.corp,10.0.0.0/8,localhost',
      },
    });
  });

  it('refuses bad tolerations and proxies without echoing the proxy URL', () => {
    let error: unknown;
    try {
      readControllerConfig('build', {
        ...minimal,
        KLI8NT_BUILD_TOLERATIONS: 'a=b:Sometimes',
        KLI8NT_BUILD_HTTPS_PROXY: 'socks5://user:s3cret@proxy',
        KLI8NT_BUILD_CA_CONFIGMAP: 'Not_A_Name',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('KLI8NT_BUILD_TOLERATIONS');
    expect(problems).toContain('the effect must be one of');
    expect(problems).toContain('KLI8NT_BUILD_HTTPS_PROXY');
    expect(problems).toContain('KLI8NT_BUILD_CA_CONFIGMAP');
    expect(problems).not.toContain('s3cret');
  });

  it("requires the configured builder's image, pinned, and only that one", () => {
    const problems = (env: Record<string, string | undefined>) => {
      try {
        readControllerConfig('build', { ...minimal, ...env });
        return '';
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
    };
    expect(problems({ KLI8NT_BUILD_BUILDER: 'buildkit' })).toBe(
      'KLI8NT_BUILD_BUILDKIT_IMAGE: is required with KLI8NT_BUILD_BUILDER=buildkit',
    );
    expect(problems({ KLI8NT_BUILD_KANIKO_IMAGE: undefined })).toBe(
      'KLI8NT_BUILD_KANIKO_IMAGE: is required with KLI8NT_BUILD_BUILDER=kaniko',
    );
    expect(
      problems({
        KLI8NT_BUILD_BUILDER: 'buildkit',
        KLI8NT_BUILD_BUILDKIT_IMAGE: 'moby/buildkit:rootless',
      }),
    ).toBe(
      'KLI8NT_BUILD_BUILDKIT_IMAGE: expected an image pinned by digest (<image>@sha256:<64 hex digits>), got "moby/buildkit:rootless"',
    );
    expect(problems({ KLI8NT_BUILD_BUILDER: 'docker' })).toBe(
      'KLI8NT_BUILD_BUILDER: expected kaniko or buildkit, got "docker"',
    );
    expect(problems({ KLI8NT_BUILD_DOCKER_HUB_MIRROR: 'http://m' })).toBe(
      'KLI8NT_BUILD_DOCKER_HUB_MIRROR: expected host[:port] such as mirror.example.com:5000, got "http://m"',
    );
    expect(problems({ KLI8NT_BUILD_PUSH_IMAGE: undefined })).toBe(
      'KLI8NT_BUILD_PUSH_IMAGE: is required, expected an image pinned by digest (<image>@sha256:<64 hex digits>)',
    );
  });

  it('repeats a refused registry or mirror without its credentials, and cut short', () => {
    const refused = (env: Record<string, string>) => {
      try {
        readControllerConfig('build', { ...minimal, ...env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      throw new Error('expected a ConfigError');
    };
    const listed = refused({
      KLI8NT_BUILD_REGISTRY: 'https://robot:tok3n@registry.example.com/apps',
      KLI8NT_BUILD_DOCKER_HUB_MIRROR: 'robot:tok3n@mirror.example.com',
      // A password may hold '@' and '/'.
      KLI8NT_BUILD_CACHE_REPO: 'robot:t@k/3n@registry.example.com/cache',
    });
    expect(listed).toEqual([
      'KLI8NT_BUILD_REGISTRY: expected host[:port][/path] such as registry.example.com/apps, got "https://…@registry.example.com/apps"',
      'KLI8NT_BUILD_CACHE_REPO: expected host[:port][/path] such as registry.example.com/kli8nt-cache, got "…@registry.example.com/cache"',
      'KLI8NT_BUILD_DOCKER_HUB_MIRROR: expected host[:port] such as mirror.example.com:5000, got "…@mirror.example.com"',
    ]);
    expect(listed.join('\n')).not.toMatch(/tok3n|t@k|3n@|robot/);

    const [long] = refused({
      KLI8NT_BUILD_REGISTRY: `Registry/${'x'.repeat(500)}`,
    });
    const got = JSON.parse(long.slice(long.indexOf(', got ') + 6));
    expect(got).toBe(`Registry/${'x'.repeat(70)}…`);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      readControllerConfig('build', {
        KLI8NT_CLUSTER: 'Prod!',
        KLI8NT_BUILD_REGISTRY: 'https://registry',
        KLI8NT_BUILD_KANIKO_IMAGE: 'kaniko:latest',
        KLI8NT_BUILD_NODE_SELECTOR: 'novalue',
        KLI8NT_WORKERS: 'many',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'KLI8NT_CLUSTER',
      'KLI8NT_WORKERS',
      'KLI8NT_BUILD_REGISTRY',
      'KLI8NT_BUILD_KANIKO_IMAGE',
      'KLI8NT_BUILD_CLONE_IMAGE',
      'KLI8NT_BUILD_PUSH_IMAGE',
      'KLI8NT_BUILD_DETECT_IMAGE',
      'KLI8NT_BUILD_NODE_SELECTOR',
      'KLI8NT_AMQP_URL',
    ]) {
      expect(problems).toContain(name);
    }
    expect(problems).toContain(
      'KLI8NT_BUILD_KANIKO_IMAGE: expected an image pinned by digest',
    );
    expect(problems).toContain(
      'KLI8NT_BUILD_NODE_SELECTOR: expected labels as key=value,… such as kli8nt.io/pool=builds, got "novalue" (\'novalue\' is not key=value)',
    );
  });
});
