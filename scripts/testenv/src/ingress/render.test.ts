import type { V1EndpointSlice, V1Ingress } from '@kubernetes/client-node';
import { render } from './render.ts';
import type { Gateway, HTTPRoute, Settings, World } from './types.ts';

const settings: Settings = {
  controllerName: 'kli8nt.io/testenv-ingress-adapter',
  ingressClass: 'kli8nt-test',
  defaultClass: true,
  gatewayClass: 'kli8nt-test',
  adminListen: 'unix//run/caddy.sock',
  storageRoot: '/run/caddy',
  listenIp: '10.0.0.2',
  httpPort: 8080,
  httpsPort: 8443,
  acme: {
    directory: 'https://10.0.0.1:14000/dir',
    trustedRootsPemFiles: ['/ca.crt'],
  },
};

const service = {
  metadata: { namespace: 'apps', name: 'shop' },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' as any }] },
};
const slice = (ready: boolean): V1EndpointSlice => ({
  addressType: 'IPv4',
  metadata: {
    namespace: 'apps',
    name: 'shop-x',
    labels: { 'kubernetes.io/service-name': 'shop' },
  },
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [
    { addresses: ['10.244.0.5'], conditions: { ready: true } },
    { addresses: ['10.244.0.6'], conditions: { ready } },
  ],
});
// As controllers/src/deploy/builders.ts writes it.
const ingress = (
  extra: Partial<V1Ingress['spec']> = {},
  annotations?: Record<string, string>,
): V1Ingress => ({
  metadata: {
    namespace: 'apps',
    name: 'shop',
    ...(annotations ? { annotations } : {}),
  },
  spec: {
    ingressClassName: 'kli8nt-test',
    rules: [
      {
        host: 'shop.apps.test',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'shop', port: { name: 'http' } } },
            },
          ],
        },
      },
    ],
    ...extra,
  },
});
const gateway: Gateway = {
  metadata: { namespace: 'gw', name: 'public', generation: 1 },
  spec: {
    gatewayClassName: 'kli8nt-test',
    listeners: [
      { name: 'https', protocol: 'HTTPS', port: 8443, hostname: '*.apps.test' },
    ],
  },
};
const route = (hostnames: string[], sectionName?: string): HTTPRoute => ({
  metadata: { namespace: 'apps', name: 'shop', generation: 2 },
  spec: {
    parentRefs: [
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'public',
        namespace: 'gw',
        sectionName,
      },
    ],
    hostnames,
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'shop', port: 80 }],
      },
    ],
  },
});
const world = (w: Partial<World>): World => ({
  ingresses: [],
  httpRoutes: [],
  gateways: [],
  services: [service],
  endpointSlices: [slice(false)],
  secrets: [],
  ...w,
});
const server = (r: ReturnType<typeof render>, name: string) =>
  (r.config as any).apps.http.servers[name];

describe('render', () => {
  it('routes an Ingress host to the ready endpoints of its Service port', () => {
    const r = render(world({ ingresses: [ingress()] }), settings);
    expect(r.ingresses).toHaveLength(1);
    expect(server(r, 'https').routes[0]).toEqual({
      match: [{ host: ['shop.apps.test'] }],
      handle: [
        { handler: 'reverse_proxy', upstreams: [{ dial: '10.244.0.5:8080' }] },
      ],
      terminal: true,
    });
    expect(server(r, 'https').listen).toEqual(['10.0.0.2:8443']);
    expect(server(r, 'https').routes.at(-1).handle[0].status_code).toBe(404);
  });

  it('answers 503 while no endpoint is ready, and ignores other classes', () => {
    const none = { ...slice(false), endpoints: [] };
    const r = render(
      world({ ingresses: [ingress()], endpointSlices: [none] }),
      settings,
    );
    expect(server(r, 'http').routes[0].handle[0].status_code).toBe(503);
    const other = render(
      world({ ingresses: [ingress({ ingressClassName: 'nginx' })] }),
      settings,
    );
    expect(other.ingresses).toHaveLength(0);
    expect(server(other, 'https').routes).toHaveLength(1);
  });

  it('matches a path prefix by whole segments', () => {
    const ing = ingress();
    ing.spec!.rules![0].http!.paths[0].path = '/api/';
    const r = render(world({ ingresses: [ing] }), settings);
    expect(server(r, 'https').routes[0].match[0].path).toEqual([
      '/api',
      '/api/*',
    ]);
  });

  it('loads a referenced TLS Secret and the default certificate, and never a public issuer', () => {
    const secret = (name: string) => ({
      metadata: { namespace: 'apps', name },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from('CRT').toString('base64'),
        'tls.key': Buffer.from('KEY').toString('base64'),
      },
    });
    const r = render(
      world({
        ingresses: [
          ingress({
            tls: [{ hosts: ['shop.apps.test'], secretName: 'shop-tls' }],
          }),
        ],
        secrets: [secret('shop-tls'), secret('wild')],
      }),
      { ...settings, defaultCertificate: { namespace: 'apps', name: 'wild' } },
    );
    const tls = (r.config as any).apps.tls;
    expect(tls.certificates.load_pem.map((c: any) => c.tags[0])).toEqual([
      'apps/shop-tls',
      'apps/wild',
    ]);
    expect(tls.certificates.load_pem[0].certificate).toBe('CRT');
    expect(tls.certificates.automate).toBeUndefined();
    for (const p of tls.automation.policies) {
      expect(p.issuers).toEqual([
        expect.objectContaining({
          module: 'acme',
          ca: settings.acme.directory,
        }),
      ]);
    }
    expect(server(r, 'https').automatic_https).toEqual({ disable: true });
  });

  it('reports a missing Secret and asks Pebble for hosts of an ACME Ingress', () => {
    const missing = render(
      world({
        ingresses: [
          ingress({ tls: [{ hosts: ['shop.apps.test'], secretName: 'gone' }] }),
        ],
      }),
      settings,
    );
    expect(missing.problems.join()).toContain('apps/gone');
    const acme = render(
      world({
        ingresses: [
          ingress(
            { tls: [{ hosts: ['shop.apps.test'] }] },
            { 'kli8nt.io/tls': 'acme' },
          ),
        ],
      }),
      settings,
    );
    const tls = (acme.config as any).apps.tls;
    expect(tls.certificates.automate).toEqual(['shop.apps.test']);
    expect(tls.automation.policies[0].subjects).toEqual(['shop.apps.test']);
  });

  it('attaches an HTTPRoute to a listener of our Gateway and reports its conditions', () => {
    const r = render(
      world({
        gateways: [gateway],
        httpRoutes: [route(['shop.apps.test'], 'https')],
      }),
      settings,
    );
    const [parent] = r.routeParents.get('apps/shop')!;
    expect(
      parent.conditions.map(c => [c.type, c.status, c.observedGeneration]),
    ).toEqual([
      ['Accepted', 'True', 2],
      ['ResolvedRefs', 'True', 2],
    ]);
    expect(server(r, 'https').routes[0].match).toEqual([
      { host: ['shop.apps.test'] },
    ]);
    expect(server(r, 'http').routes).toHaveLength(1);
    expect(r.gateways[0].attached).toEqual({ https: 1 });
  });

  it('refuses routes whose hostnames or backends do not resolve', () => {
    const r = render(
      world({
        gateways: [gateway],
        httpRoutes: [route(['shop.example.com'])],
        services: [],
      }),
      settings,
    );
    const [parent] = r.routeParents.get('apps/shop')!;
    expect(parent.conditions.map(c => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'False', 'NoMatchingListenerHostname'],
      ['ResolvedRefs', 'False', 'BackendNotFound'],
    ]);
    const foreign = render(
      world({
        gateways: [
          { ...gateway, spec: { ...gateway.spec, gatewayClassName: 'x' } },
        ],
        httpRoutes: [route([])],
      }),
      settings,
    );
    expect(foreign.routeParents.size).toBe(0);
  });
});
