import {
  appUrl,
  desiredApp,
  desiredDeployment,
  desiredSecret,
  desiredService,
} from './builders';
import { ownerReference } from './appMeta';
import { desiredReleaseJob } from './release';
import { desiredHTTPRoute, desiredIngress } from './exposure';
import {
  DEPLOYMENT_ID,
  DIGEST,
  REVISION,
  baseConfig,
  deployRequested,
  buildRollout,
} from './__testUtils__/fixtures';
import type { App } from './types';

const UID = '11111111-2222-4333-8444-555555555555';
const IMAGE = `registry.example.com/apps/shop@${DIGEST}`;

const LABELS = {
  'app.kubernetes.io/managed-by': 'kli8nt',
  'kli8nt.io/app': 'shop',
  'backstage.io/kubernetes-id': 'shop',
  'kli8nt.io/role': 'runtime',
  'kli8nt.io/deployment': DEPLOYMENT_ID,
};
const OWNER = {
  apiVersion: 'kli8nt.io/v1alpha1',
  kind: 'App',
  name: 'shop',
  uid: UID,
  controller: true,
  blockOwnerDeletion: true,
};

function applied(app: App): App {
  return { ...app, metadata: { ...app.metadata, uid: UID } };
}

const fullConfig = {
  port: 3000,
  replicas: 2,
  healthCheckPath: '/healthz',
  domains: ['shop.example.org', 'www.shop.example.org'],
  env: { NODE_ENV: 'production', API_URL: 'https://api.example.org' },
  secretEnv: {
    STRIPE_KEY: 'v1.aaaaaaaa.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA',
    DB_PASSWORD: 'v1.aaaaaaaa.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA',
  },
  resources: { cpu: '250m', memory: '256Mi' },
};

describe('desiredApp', () => {
  it('renders a build rollout with defaults', () => {
    expect(desiredApp(buildRollout(), baseConfig)).toEqual({
      apiVersion: 'kli8nt.io/v1alpha1',
      kind: 'App',
      metadata: { name: 'shop', namespace: 'kli8nt-apps', labels: LABELS },
      spec: {
        deploymentId: DEPLOYMENT_ID,
        entityRef: 'component:default/shop',
        image: IMAGE,
        revision: REVISION,
        reason: 'build',
        requestedAt: '2026-11-30T10:00:00.000Z',
        sequence: 1,
        port: 3000,
        replicas: 1,
        resources: {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        },
        hosts: ['shop.apps.example.com'],
        tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
        exposure: { mode: 'ingress', ingressClassName: 'nginx' },
      },
    });
  });

  it('renders every AppConfig field', () => {
    expect(
      desiredApp(buildRollout({ config: fullConfig }), baseConfig).spec,
    ).toEqual({
      deploymentId: DEPLOYMENT_ID,
      entityRef: 'component:default/shop',
      image: IMAGE,
      revision: REVISION,
      reason: 'build',
      requestedAt: '2026-11-30T10:00:00.000Z',
      sequence: 1,
      port: 3000,
      replicas: 2,
      env: { API_URL: 'https://api.example.org', NODE_ENV: 'production' },
      secretEnv: {
        secretName: 'shop-env',
        keys: ['DB_PASSWORD', 'STRIPE_KEY'],
      },
      resources: {
        requests: { cpu: '250m', memory: '256Mi' },
        limits: { cpu: '250m', memory: '256Mi' },
      },
      healthCheckPath: '/healthz',
      hosts: [
        'shop.apps.example.com',
        'shop.example.org',
        'www.shop.example.org',
      ],
      tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
      exposure: { mode: 'ingress', ingressClassName: 'nginx' },
    });
  });

  it('keeps a size the user set only for that resource', () => {
    const spec = desiredApp(
      buildRollout({ config: { resources: { memory: '1Gi' } } }),
      baseConfig,
    ).spec;
    expect(spec.resources).toEqual({
      requests: { cpu: '100m', memory: '1Gi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
  });

  it('gives every process the platform ephemeral storage, whatever size the user chose', () => {
    const config = {
      ...baseConfig,
      defaultRequests: {
        ...baseConfig.defaultRequests,
        'ephemeral-storage': '128Mi',
      },
      defaultLimits: {
        ...baseConfig.defaultLimits,
        'ephemeral-storage': '1Gi',
      },
    };
    const app = applied(
      desiredApp(
        buildRollout({
          config: { resources: { cpu: '2', memory: '1Gi' } },
          processes: [
            { name: 'web', type: 'web', command: ['node', 'server.js'] },
            { name: 'mailer', type: 'worker', command: ['node', 'mail.js'] },
            { name: 'migrate', type: 'release', command: ['migrate'] },
          ],
        }),
        config,
      ),
    );
    const expected = {
      requests: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '128Mi' },
      limits: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '1Gi' },
    };
    expect(app.spec.resources).toEqual(expected);
    const placement = { nodeSelector: {}, progressDeadlineSeconds: 600 };
    const [web, mailer, migrate] = app.spec.processes!;
    for (const pod of [
      desiredDeployment(app, placement, web).spec!.template.spec!,
      desiredDeployment(app, placement, mailer).spec!.template.spec!,
      desiredReleaseJob(app, placement, migrate).spec!.template.spec!,
    ]) {
      expect(pod.containers.map(c => c.resources)).toEqual([expected]);
    }
  });

  it('renders a DeployRequested rollback without a revision', () => {
    const id = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    const app = desiredApp(
      deployRequested({ deploymentId: id, reason: 'rollback' }),
      baseConfig,
    );
    expect(app.spec.reason).toBe('rollback');
    expect(app.spec.deploymentId).toBe(id);
    expect(app.spec.requestedAt).toBe('2026-11-30T11:00:00.000Z');
    expect(app.spec).not.toHaveProperty('revision');
    expect(app.metadata.labels?.['kli8nt.io/deployment']).toBe(id);
  });

  it('pins a tag-only image to its digest', () => {
    const message = buildRollout();
    message.payload.image = 'registry.example.com/apps/shop:latest';
    expect(desiredApp(message, baseConfig).spec.image).toBe(
      `registry.example.com/apps/shop:latest@${DIGEST}`,
    );
  });

  it('lowercases the deployment id and drops a custom domain equal to the own host', () => {
    const app = desiredApp(
      buildRollout({
        deploymentId: DEPLOYMENT_ID.toUpperCase(),
        config: { domains: ['shop.apps.example.com', 'shop.example.org'] },
      }),
      baseConfig,
    );
    expect(app.spec.deploymentId).toBe(DEPLOYMENT_ID);
    expect(app.spec.hosts).toEqual([
      'shop.apps.example.com',
      'shop.example.org',
    ]);
  });

  it('carries the configured TLS and exposure modes', () => {
    const app = desiredApp(buildRollout(), {
      ...baseConfig,
      tls: { mode: 'wildcard', secretName: 'apps-wildcard' },
      exposure: {
        mode: 'gateway',
        gateway: {
          namespace: 'gateways',
          name: 'public',
          sectionName: 'https',
        },
      },
    });
    expect(app.spec.tls).toEqual({
      mode: 'wildcard',
      secretName: 'apps-wildcard',
    });
    expect(app.spec.exposure).toEqual({
      mode: 'gateway',
      gateway: { namespace: 'gateways', name: 'public', sectionName: 'https' },
    });
  });

  it('is deterministic', () => {
    expect(
      desiredApp(buildRollout({ config: fullConfig }), baseConfig),
    ).toEqual(desiredApp(buildRollout({ config: fullConfig }), baseConfig));
  });

  it('refuses an app whose host would be too long', () => {
    expect(() =>
      desiredApp(buildRollout({ app: 'a'.repeat(63) }), {
        ...baseConfig,
        appsDomain: `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}`,
      }),
    ).toThrow(/253/);
  });
});

describe('appUrl', () => {
  it('is https on the first host, http without TLS', () => {
    const { spec } = desiredApp(buildRollout(), baseConfig);
    expect(appUrl(spec)).toBe('https://shop.apps.example.com');
    expect(appUrl({ ...spec, tls: { mode: 'none' } })).toBe(
      'http://shop.apps.example.com',
    );
  });
});

describe('ownerReference', () => {
  it('needs the uid of a stored App', () => {
    const app = desiredApp(buildRollout(), baseConfig);
    expect(() => ownerReference(app)).toThrow(/no uid/);
    expect(ownerReference(applied(app))).toEqual(OWNER);
  });
});

const restricted = {
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('desiredDeployment', () => {
  it('renders the minimal app: TCP readiness, default resources, restricted pods', () => {
    const app = applied(desiredApp(buildRollout(), baseConfig));
    expect(
      desiredDeployment(app, {
        nodeSelector: {},
        progressDeadlineSeconds: 600,
      }),
    ).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'shop',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      spec: {
        replicas: 1,
        selector: {
          matchLabels: { 'kli8nt.io/app': 'shop', 'kli8nt.io/role': 'runtime' },
        },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        },
        template: {
          metadata: { labels: { ...LABELS, 'kli8nt.io/process': 'web' } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restricted,
            containers: [
              {
                name: 'app',
                image: IMAGE,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
                env: [{ name: 'PORT', value: '3000' }],
                readinessProbe: {
                  tcpSocket: { port: 'http' },
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                resources: {
                  requests: { cpu: '100m', memory: '128Mi' },
                  limits: { cpu: '1', memory: '512Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  ...restricted,
                },
              },
            ],
          },
        },
      },
    });
  });

  it('renders the full app: HTTP readiness, env then secret env, node selector, tolerations', () => {
    const app = applied(
      desiredApp(buildRollout({ config: { ...fullConfig } }), baseConfig),
    );
    const tolerations = [
      { key: 'pool', operator: 'Equal', value: 'apps', effect: 'NoSchedule' },
    ];
    const deployment = desiredDeployment(app, {
      nodeSelector: { pool: 'apps' },
      tolerations,
      progressDeadlineSeconds: 120,
    });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.progressDeadlineSeconds).toBe(120);
    expect(deployment.spec?.template.spec?.nodeSelector).toEqual({
      pool: 'apps',
    });
    expect(deployment.spec?.template.spec?.tolerations).toEqual(tolerations);
    // A copy: the controller's config is never shared with what is applied.
    expect(deployment.spec?.template.spec?.tolerations?.[0]).not.toBe(
      tolerations[0],
    );
    expect(
      desiredDeployment(app, {
        nodeSelector: {},
        tolerations: [],
        progressDeadlineSeconds: 120,
      }).spec?.template.spec,
    ).not.toHaveProperty('tolerations');
    const [container] = deployment.spec!.template.spec!.containers;
    expect(container.env).toEqual([
      { name: 'PORT', value: '3000' },
      { name: 'API_URL', value: 'https://api.example.org' },
      { name: 'NODE_ENV', value: 'production' },
      {
        name: 'DB_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'shop-env', key: 'DB_PASSWORD' } },
      },
      {
        name: 'STRIPE_KEY',
        valueFrom: { secretKeyRef: { name: 'shop-env', key: 'STRIPE_KEY' } },
      },
    ]);
    expect(container.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
      periodSeconds: 5,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(container.resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '250m', memory: '256Mi' },
    });
  });

  it('sets PORT from the port even when the user sets it', () => {
    const app = applied(
      desiredApp(
        buildRollout({ config: { port: 8080, env: { PORT: '1', A: 'b' } } }),
        baseConfig,
      ),
    );
    const [container] = desiredDeployment(app, {
      nodeSelector: {},
      progressDeadlineSeconds: 600,
    }).spec!.template.spec!.containers;
    expect(container.env).toEqual([
      { name: 'PORT', value: '8080' },
      { name: 'A', value: 'b' },
    ]);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
    ]);
  });

  it('gives each deployment its own pod template but one selector', () => {
    const placement = { nodeSelector: {}, progressDeadlineSeconds: 600 };
    const first = desiredDeployment(
      applied(desiredApp(buildRollout(), baseConfig)),
      placement,
    );
    const second = desiredDeployment(
      applied(
        desiredApp(
          deployRequested({
            deploymentId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
            reason: 'config',
          }),
          baseConfig,
        ),
      ),
      placement,
    );
    expect(second.spec?.selector).toEqual(first.spec?.selector);
    expect(second.spec?.template.metadata?.labels).not.toEqual(
      first.spec?.template.metadata?.labels,
    );
  });
});

describe('desiredService', () => {
  it('is a ClusterIP on port 80 to the named container port', () => {
    const app = applied(desiredApp(buildRollout(), baseConfig));
    expect(desiredService(app)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'shop',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      spec: {
        type: 'ClusterIP',
        selector: {
          'kli8nt.io/app': 'shop',
          'kli8nt.io/role': 'runtime',
          'kli8nt.io/process': 'web',
        },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    });
  });
});

function rule(host: string) {
  return {
    host,
    http: {
      paths: [
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: 'shop', port: { name: 'http' } } },
        },
      ],
    },
  };
}

describe('desiredIngress', () => {
  const withDomains = buildRollout({
    config: { domains: ['shop.example.org'] },
  });

  it('asks cert-manager for a certificate of every host', () => {
    const app = applied(desiredApp(withDomains, baseConfig));
    expect(desiredIngress(app)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'shop',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      },
      spec: {
        ingressClassName: 'nginx',
        rules: [rule('shop.apps.example.com'), rule('shop.example.org')],
        tls: [
          {
            hosts: ['shop.apps.example.com', 'shop.example.org'],
            secretName: 'shop-tls',
          },
        ],
      },
    });
  });

  it('uses the wildcard Secret for hosts under the apps domain', () => {
    const app = applied(
      desiredApp(withDomains, {
        ...baseConfig,
        tls: { mode: 'wildcard', secretName: 'apps-wildcard' },
        exposure: { mode: 'ingress' },
      }),
    );
    expect(desiredIngress(app)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'shop',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      spec: {
        rules: [rule('shop.apps.example.com'), rule('shop.example.org')],
        tls: [
          { hosts: ['shop.apps.example.com'], secretName: 'apps-wildcard' },
        ],
      },
    });
  });

  it('has no TLS in mode none', () => {
    const app = applied(
      desiredApp(buildRollout(), { ...baseConfig, tls: { mode: 'none' } }),
    );
    const ingress = desiredIngress(app);
    expect(ingress.spec?.tls).toBeUndefined();
    expect(ingress.metadata?.annotations).toBeUndefined();
  });

  it('refuses an App exposed by a Gateway', () => {
    const app = applied(
      desiredApp(buildRollout(), {
        ...baseConfig,
        exposure: { mode: 'gateway', gateway: { namespace: 'g', name: 'gw' } },
      }),
    );
    expect(() => desiredIngress(app)).toThrow(/not exposed by an Ingress/);
  });
});

describe('desiredHTTPRoute', () => {
  const gatewayConfig = {
    ...baseConfig,
    exposure: {
      mode: 'gateway' as const,
      gateway: { namespace: 'gateways', name: 'public', sectionName: 'https' },
    },
  };

  it('attaches every host to the configured Gateway', () => {
    const app = applied(
      desiredApp(
        buildRollout({ config: { domains: ['shop.example.org'] } }),
        gatewayConfig,
      ),
    );
    expect(desiredHTTPRoute(app)).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'shop',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      spec: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'public',
            namespace: 'gateways',
            sectionName: 'https',
          },
        ],
        hostnames: ['shop.apps.example.com', 'shop.example.org'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: 'shop', port: 80 }],
          },
        ],
      },
    });
  });

  it('leaves out an unset section name', () => {
    const app = applied(
      desiredApp(buildRollout(), {
        ...baseConfig,
        exposure: { mode: 'gateway', gateway: { namespace: 'g', name: 'gw' } },
      }),
    );
    expect(desiredHTTPRoute(app).spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'gw',
        namespace: 'g',
      },
    ]);
  });

  it('refuses an App exposed by an Ingress', () => {
    const app = applied(desiredApp(buildRollout(), baseConfig));
    expect(() => desiredHTTPRoute(app)).toThrow(/not exposed by a Gateway/);
  });
});

describe('desiredSecret', () => {
  it('holds the opened values, base64, labelled with the deployment', () => {
    const app = applied(desiredApp(buildRollout(), baseConfig));
    expect(
      desiredSecret(app, { STRIPE_KEY: 'sk_live_ü', DB_PASSWORD: 'hunter2' }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'shop-env',
        namespace: 'kli8nt-apps',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      type: 'Opaque',
      data: {
        DB_PASSWORD: Buffer.from('hunter2').toString('base64'),
        STRIPE_KEY: Buffer.from('sk_live_ü', 'utf8').toString('base64'),
      },
    });
  });
});
