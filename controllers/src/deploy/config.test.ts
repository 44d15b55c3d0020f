import { DeployConfigError, readDeploySection } from './config';

const shared = {
  cluster: 'prod',
  resyncMs: 300_000,
  watchStaleMs: 300_000,
  workers: 2,
};
const minimal = {
  KLI8NT_APPS_DOMAIN: 'apps.example.com',
  KLI8NT_TLS_CLUSTER_ISSUER: 'letsencrypt',
};

function problems(env: Record<string, string>): string[] {
  try {
    readDeploySection(env, shared);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployConfigError);
    return (error as DeployConfigError).problems;
  }
  throw new Error('expected a DeployConfigError');
}

describe('readDeploySection', () => {
  it('applies the defaults', () => {
    expect(readDeploySection(minimal, shared)).toEqual({
      ...shared,
      informQueue: 'inform',
      namespace: 'kli8nt-apps',
      appsDomain: 'apps.example.com',
      tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
      exposure: { mode: 'ingress' },
      sealingKeys: [],
      defaultRequests: { cpu: '100m', memory: '128Mi' },
      defaultLimits: { cpu: '1', memory: '512Mi' },
      nodeSelector: {},
      tolerations: [],
      progressDeadlineSeconds: 600,
      releaseHistory: 10,
      pollMs: 10_000,
    });
  });

  it('reads every setting', () => {
    expect(
      readDeploySection(
        {
          KLI8NT_APPS_DOMAIN: 'apps.example.com',
          KLI8NT_APPS_NAMESPACE: 'apps',
          KLI8NT_INFORM_QUEUE: 'inform.test',
          KLI8NT_TLS_MODE: 'wildcard',
          KLI8NT_TLS_WILDCARD_SECRET: 'wildcard-tls',
          KLI8NT_EXPOSURE: 'gateway',
          KLI8NT_GATEWAY: 'gateways/public',
          KLI8NT_GATEWAY_SECTION: 'https',
          KLI8NT_SEALING_KEYS: ' k1 ,k2,',
          KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'cpu=50m',
          KLI8NT_DEPLOY_DEFAULT_LIMITS: 'memory=1Gi,cpu=2',
          KLI8NT_DEPLOY_NODE_SELECTOR: 'pool=apps, kubernetes.io/os=linux',
          KLI8NT_DEPLOY_TOLERATIONS: 'pool=apps:NoSchedule, dedicated',
          KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '30',
          KLI8NT_DEPLOY_RELEASE_HISTORY: '5',
          KLI8NT_DEPLOY_POLL_SECONDS: '2',
        },
        shared,
      ),
    ).toEqual({
      ...shared,
      informQueue: 'inform.test',
      namespace: 'apps',
      appsDomain: 'apps.example.com',
      tls: { mode: 'wildcard', secretName: 'wildcard-tls' },
      exposure: {
        mode: 'gateway',
        gateway: {
          namespace: 'gateways',
          name: 'public',
          sectionName: 'https',
        },
      },
      sealingKeys: ['k1', 'k2'],
      defaultRequests: { cpu: '50m', memory: '128Mi' },
      defaultLimits: { cpu: '2', memory: '1Gi' },
      nodeSelector: { pool: 'apps', 'kubernetes.io/os': 'linux' },
      tolerations: [
        { key: 'pool', operator: 'Equal', value: 'apps', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Exists' },
      ],
      progressDeadlineSeconds: 30,
      releaseHistory: 5,
      pollMs: 2000,
    });
  });

  it('reads TLS mode none and an ingress class', () => {
    const config = readDeploySection(
      {
        KLI8NT_APPS_DOMAIN: 'apps.example.com',
        KLI8NT_TLS_MODE: 'none',
        KLI8NT_INGRESS_CLASS: 'nginx',
      },
      shared,
    );
    expect(config.tls).toEqual({ mode: 'none' });
    expect(config.exposure).toEqual({
      mode: 'ingress',
      ingressClassName: 'nginx',
    });
  });

  it('lists every problem at once', () => {
    expect(
      problems({
        KLI8NT_APPS_NAMESPACE: 'Not_A_Namespace',
        KLI8NT_TLS_MODE: 'letsencrypt',
        KLI8NT_EXPOSURE: 'loadbalancer',
        KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'cpu=lots,gpu=1,oops',
        KLI8NT_DEPLOY_NODE_SELECTOR: 'bad key=x',
        KLI8NT_DEPLOY_TOLERATIONS: 'pool=apps:Never',
        KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: '1',
        KLI8NT_DEPLOY_RELEASE_HISTORY: 'ten',
      }).sort(),
    ).toEqual(
      [
        "KLI8NT_DEPLOY_DEFAULT_REQUESTS: 'oops' is not key=value",
        "KLI8NT_DEPLOY_DEFAULT_REQUESTS: cpu 'lots' is not a quantity",
        "KLI8NT_DEPLOY_DEFAULT_REQUESTS: unknown resource 'gpu'",
        'KLI8NT_APPS_DOMAIN is required',
        "KLI8NT_APPS_NAMESPACE 'Not_A_Namespace' is not a namespace name",
        "KLI8NT_TLS_MODE must be cert-manager, wildcard or none, got 'letsencrypt'",
        "KLI8NT_EXPOSURE must be ingress or gateway, got 'loadbalancer'",
        "KLI8NT_DEPLOY_NODE_SELECTOR: 'bad key=x' is not a label",
        "KLI8NT_DEPLOY_TOLERATIONS: 'pool=apps:Never': the effect must be one of NoSchedule, PreferNoSchedule, NoExecute",
        'KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS must be an integer from 5 to 86400',
        'KLI8NT_DEPLOY_RELEASE_HISTORY must be an integer from 1 to 100',
      ].sort(),
    );
  });

  it('requires what the chosen modes need', () => {
    expect(problems({ KLI8NT_APPS_DOMAIN: 'apps.example.com' })).toEqual([
      'KLI8NT_TLS_CLUSTER_ISSUER is required',
    ]);
    expect(problems({ ...minimal, KLI8NT_TLS_MODE: 'wildcard' })).toEqual([
      'KLI8NT_TLS_WILDCARD_SECRET is required',
    ]);
    expect(problems({ ...minimal, KLI8NT_EXPOSURE: 'gateway' })).toEqual([
      'KLI8NT_GATEWAY is required',
    ]);
    expect(
      problems({
        ...minimal,
        KLI8NT_EXPOSURE: 'gateway',
        KLI8NT_GATEWAY: 'public',
      }),
    ).toEqual(["KLI8NT_GATEWAY must be namespace/name, got 'public'"]);
    expect(
      problems({ ...minimal, KLI8NT_APPS_DOMAIN: 'Apps.Example.com' }),
    ).toEqual(["KLI8NT_APPS_DOMAIN 'Apps.Example.com' is not a DNS name"]);
  });

  it('reads the issuer annotation of mode cert-manager and checks it is a key', () => {
    expect(
      readDeploySection(
        {
          ...minimal,
          KLI8NT_TLS_CLUSTER_ISSUER: 'acme',
          KLI8NT_TLS_ISSUER_ANNOTATION: 'kli8nt.io/tls',
        },
        shared,
      ).tls,
    ).toEqual({
      mode: 'cert-manager',
      clusterIssuer: 'acme',
      issuerAnnotation: 'kli8nt.io/tls',
    });
    expect(
      problems({ ...minimal, KLI8NT_TLS_ISSUER_ANNOTATION: 'not an/key/x' }),
    ).toEqual([
      "KLI8NT_TLS_ISSUER_ANNOTATION 'not an/key/x' is not an annotation key",
    ]);
  });
});
