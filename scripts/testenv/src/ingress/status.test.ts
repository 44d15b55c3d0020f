import { render } from './render.ts';
import { statusUpdates } from './status.ts';
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
  acme: { directory: 'https://10.0.0.1/dir', trustedRootsPemFiles: [] },
};
const gateway: Gateway = {
  metadata: { namespace: 'gw', name: 'public', generation: 1 },
  spec: {
    gatewayClassName: 'kli8nt-test',
    listeners: [{ name: 'https', protocol: 'HTTPS', port: 8443 }],
  },
};
const foreignParent = {
  parentRef: { name: 'other' },
  controllerName: 'example.com/other',
  conditions: [],
};
const route: HTTPRoute = {
  metadata: { namespace: 'apps', name: 'shop', generation: 1 },
  spec: {
    parentRefs: [{ name: 'public', namespace: 'gw' }],
    hostnames: ['shop.apps.test'],
    rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }],
  },
  status: { parents: [foreignParent] },
};
const world: World = {
  ingresses: [
    { metadata: { namespace: 'apps', name: 'shop' }, spec: { rules: [] } },
  ],
  httpRoutes: [route],
  gateways: [gateway],
  services: [
    {
      metadata: { namespace: 'apps', name: 'shop' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    },
  ],
  endpointSlices: [],
  secrets: [],
};
const classes = [
  {
    metadata: { name: 'kli8nt-test', generation: 1 },
    spec: { controllerName: settings.controllerName },
  },
];

describe('statusUpdates', () => {
  it('reports the address, route parents, Gateway and class, keeping other controllers’ parents', () => {
    const updates = statusUpdates(
      render(world, settings),
      world,
      classes,
      settings,
      'T0',
    );
    expect(updates.map(u => u.plural)).toEqual([
      'ingresses',
      'httproutes',
      'gateways',
      'gatewayclasses',
    ]);
    expect(updates[0].status).toEqual({
      loadBalancer: { ingress: [{ ip: '10.0.0.2' }] },
    });
    const parents = (updates[1].status as any).parents;
    expect(parents[0]).toBe(foreignParent);
    expect(parents[1].conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'True',
      lastTransitionTime: 'T0',
    });
  });

  it('writes nothing once the statuses are in place', () => {
    const first = statusUpdates(
      render(world, settings),
      world,
      classes,
      settings,
      'T0',
    );
    const status = (plural: string) =>
      first.find(u => u.plural === plural)!.status as any;
    const written: World = {
      ...world,
      ingresses: [{ ...world.ingresses[0], status: status('ingresses') }],
      httpRoutes: [{ ...route, status: status('httproutes') }],
      gateways: [{ ...gateway, status: status('gateways') }],
    };
    const writtenClasses = [
      { ...classes[0], status: status('gatewayclasses') },
    ];
    expect(
      statusUpdates(
        render(written, settings),
        written,
        writtenClasses,
        settings,
        'T1',
      ),
    ).toEqual([]);
  });
});
