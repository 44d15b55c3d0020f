import { ConfigError, readControllerConfig } from '../config';

const minimal = {
  KLI8NT_CLUSTER: 'prod',
  KLI8NT_AMQP_URL: 'amqp://rabbit:5672',
  KLI8NT_APPS_DOMAIN: 'apps.example.com',
  KLI8NT_TLS_CLUSTER_ISSUER: 'letsencrypt',
};

const read = (env: Record<string, string | undefined>) =>
  readControllerConfig('deploy', { ...minimal, ...env }).role;

function problems(env: Record<string, string | undefined>): string[] {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('deploy role configuration', () => {
  it('applies the defaults and folds in the shared settings', () => {
    expect(read({ KLI8NT_WORKERS: '4' })).toEqual({
      cluster: 'prod',
      resyncMs: 300_000,
      watchStaleMs: 300_000,
      workers: 4,
      // Its defaults: build/config.test.ts; the same for both roles: config.test.ts.
      amqp: expect.objectContaining({ url: 'amqp://rabbit:5672' }),
      informQueue: 'inform',
      namespace: 'kli8nt-apps',
      appsDomain: 'apps.example.com',
      tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
      exposure: { mode: 'ingress' },
      sealingKeys: [],
      defaultRequests: {
        cpu: '100m',
        memory: '128Mi',
        'ephemeral-storage': '0',
      },
      defaultLimits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '1Gi' },
      nodeSelector: {},
      tolerations: [],
      progressDeadlineSeconds: 600,
      releaseHistory: 10,
      pollMs: 10_000,
      tombstoneRetentionMs: 86_400_000,
    });
  });

  it('keeps tombstones at least 10 minutes', () => {
    expect(
      read({ KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: '600' }),
    ).toMatchObject({ tombstoneRetentionMs: 600_000 });
    expect(
      problems({ KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: '599' }),
    ).toEqual([
      'KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: expected an integer from 600 to 604800, got "599"',
    ]);
  });

  it("reads the apps' ephemeral storage beside their default size", () => {
    expect(
      read({
        KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'ephemeral-storage=256Mi',
        KLI8NT_DEPLOY_DEFAULT_LIMITS: 'cpu=2,ephemeral-storage=4Gi',
      }),
    ).toMatchObject({
      defaultRequests: {
        cpu: '100m',
        memory: '128Mi',
        'ephemeral-storage': '256Mi',
      },
      defaultLimits: { cpu: '2', memory: '512Mi', 'ephemeral-storage': '4Gi' },
    });
    expect(
      problems({ KLI8NT_DEPLOY_DEFAULT_LIMITS: 'ephemeral-storage=much' }),
    ).toEqual([
      `KLI8NT_DEPLOY_DEFAULT_LIMITS: expected cpu=<quantity>,memory=<quantity>,ephemeral-storage=<quantity> such as cpu=1,memory=512Mi,ephemeral-storage=1Gi, got "ephemeral-storage=much" (ephemeral-storage 'much' is not a quantity)`,
    ]);
  });

  it('reads the gateway, TLS none and an ingress class', () => {
    expect(
      read({
        KLI8NT_TLS_MODE: 'none',
        KLI8NT_EXPOSURE: 'gateway',
        KLI8NT_GATEWAY: 'gateways/public',
        KLI8NT_GATEWAY_SECTION: 'https',
      }),
    ).toMatchObject({
      tls: { mode: 'none' },
      exposure: {
        mode: 'gateway',
        gateway: {
          namespace: 'gateways',
          name: 'public',
          sectionName: 'https',
        },
      },
    });
    expect(read({ KLI8NT_INGRESS_CLASS: 'nginx' }).exposure).toEqual({
      mode: 'ingress',
      ingressClassName: 'nginx',
    });
  });

  it('names the variable, what it expects and what it got', () => {
    expect(problems({ KLI8NT_APPS_DOMAIN: 'x_y' })).toEqual([
      'KLI8NT_APPS_DOMAIN: expected a DNS name such as apps.example.com, got "x_y"',
    ]);
    expect(problems({ KLI8NT_APPS_DOMAIN: undefined })).toEqual([
      'KLI8NT_APPS_DOMAIN: is required, expected a DNS name such as apps.example.com',
    ]);
    expect(problems({ KLI8NT_DEPLOY_RELEASE_HISTORY: '0' })).toEqual([
      'KLI8NT_DEPLOY_RELEASE_HISTORY: expected an integer from 1 to 100, got "0"',
    ]);
  });

  it('lists every problem at once, one line per variable', () => {
    expect(
      problems({
        KLI8NT_APPS_DOMAIN: undefined,
        KLI8NT_APPS_NAMESPACE: 'Not_A_Namespace',
        KLI8NT_TLS_MODE: 'letsencrypt',
        KLI8NT_EXPOSURE: 'gateway',
        KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'cpu=lots,gpu=1',
        KLI8NT_DEPLOY_DEFAULT_LIMITS: 'oops',
        KLI8NT_DEPLOY_NODE_SELECTOR: 'bad key=x',
        KLI8NT_DEPLOY_TOLERATIONS: 'pool=apps:Never',
        KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '1',
        KLI8NT_DEPLOY_POLL_SECONDS: 'ten',
      }).sort(),
    ).toEqual(
      [
        'KLI8NT_APPS_DOMAIN: is required, expected a DNS name such as apps.example.com',
        'KLI8NT_APPS_NAMESPACE: expected a namespace name such as kli8nt-apps, got "Not_A_Namespace"',
        'KLI8NT_TLS_MODE: expected cert-manager, wildcard or none, got "letsencrypt"',
        'KLI8NT_GATEWAY: is required with KLI8NT_EXPOSURE=gateway',
        `KLI8NT_DEPLOY_DEFAULT_REQUESTS: expected cpu=<quantity>,memory=<quantity>,ephemeral-storage=<quantity> such as cpu=100m,memory=128Mi,ephemeral-storage=0, got "cpu=lots,gpu=1" (cpu 'lots' is not a quantity; unknown resource 'gpu')`,
        `KLI8NT_DEPLOY_DEFAULT_LIMITS: expected cpu=<quantity>,memory=<quantity>,ephemeral-storage=<quantity> such as cpu=1,memory=512Mi,ephemeral-storage=1Gi, got "oops" ('oops' is not key=value)`,
        `KLI8NT_DEPLOY_NODE_SELECTOR: expected labels as key=value,… such as kli8nt.io/pool=builds, got "bad key=x" ('bad key=x' is not a label)`,
        `KLI8NT_DEPLOY_TOLERATIONS: expected tolerations as key[=value][:Effect],… such as pool=apps:NoSchedule, got "pool=apps:Never" ('pool=apps:Never': the effect must be one of NoSchedule, PreferNoSchedule, NoExecute)`,
        'KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: expected an integer from 5 to 86400, got "1"',
        'KLI8NT_DEPLOY_POLL_SECONDS: expected a number of seconds from 1 to 3600, got "ten"',
      ].sort(),
    );
  });

  it('requires what the chosen modes need', () => {
    expect(problems({ KLI8NT_TLS_CLUSTER_ISSUER: undefined })).toEqual([
      'KLI8NT_TLS_CLUSTER_ISSUER: is required with KLI8NT_TLS_MODE=cert-manager',
    ]);
    expect(problems({ KLI8NT_TLS_MODE: 'wildcard' })).toEqual([
      'KLI8NT_TLS_WILDCARD_SECRET: is required with KLI8NT_TLS_MODE=wildcard',
    ]);
    expect(
      problems({ KLI8NT_EXPOSURE: 'gateway', KLI8NT_GATEWAY: 'public' }),
    ).toEqual([
      'KLI8NT_GATEWAY: expected namespace/name such as gateways/public, got "public"',
    ]);
    expect(problems({ KLI8NT_APPS_DOMAIN: 'Apps.Example.com' })).toEqual([
      'KLI8NT_APPS_DOMAIN: expected a DNS name such as apps.example.com, got "Apps.Example.com"',
    ]);
  });

  it('checks the gateway and the issuer annotation only in their mode, as the chart renders them whenever set', () => {
    const leftovers = {
      KLI8NT_GATEWAY: 'public',
      KLI8NT_TLS_ISSUER_ANNOTATION: 'not an/key/x',
    };
    expect(
      read({
        ...leftovers,
        KLI8NT_EXPOSURE: 'ingress',
        KLI8NT_TLS_MODE: 'none',
      }),
    ).toMatchObject({ exposure: { mode: 'ingress' }, tls: { mode: 'none' } });
    expect(
      read({
        ...leftovers,
        KLI8NT_TLS_MODE: 'wildcard',
        KLI8NT_TLS_WILDCARD_SECRET: 'star',
      }).tls,
    ).toEqual({ mode: 'wildcard', secretName: 'star' });
    expect(problems({ ...leftovers, KLI8NT_EXPOSURE: 'gateway' })).toEqual([
      'KLI8NT_TLS_ISSUER_ANNOTATION: expected an annotation key such as cert-manager.io/cluster-issuer, got "not an/key/x"',
      'KLI8NT_GATEWAY: expected namespace/name such as gateways/public, got "public"',
    ]);
  });

  it('reads the issuer annotation of mode cert-manager and checks it is a key', () => {
    expect(
      read({
        KLI8NT_TLS_CLUSTER_ISSUER: 'acme',
        KLI8NT_TLS_ISSUER_ANNOTATION: 'kli8nt.io/tls',
      }).tls,
    ).toEqual({
      mode: 'cert-manager',
      clusterIssuer: 'acme',
      issuerAnnotation: 'kli8nt.io/tls',
    });
    expect(problems({ KLI8NT_TLS_ISSUER_ANNOTATION: 'not an/key/x' })).toEqual([
      'KLI8NT_TLS_ISSUER_ANNOTATION: expected an annotation key such as cert-manager.io/cluster-issuer, got "not an/key/x"',
    ]);
  });
});
