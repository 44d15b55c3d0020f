/*
 * The test world's ingress adapter: a TEST STAND-IN for the user's ingress
 * controller (ingress-nginx, Traefik, any Gateway API implementation), none
 * of which can be had on these machines. It is started by
 * `scripts/testenv/testenv` (lib/ingress.sh) and is never shipped in the
 * chart; Kli8nt must rely on nothing specific to it.
 *
 * It watches Ingresses of its class, HTTPRoutes attached to Gateways of its
 * GatewayClass, and the Services, EndpointSlices and Secrets they reference;
 * programs Caddy through its admin API (`POST /load` of the whole config,
 * see render.ts); and reports status as a real controller does: the
 * ingress address on Ingresses, Accepted/ResolvedRefs on HTTPRoutes,
 * Accepted/Programmed on Gateways and GatewayClasses.
 *
 * Run with Node >= 22.19 (type stripping): node adapter.ts --kubeconfig ...
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
// A test-world program run from this checkout, not part of the testenv
// package's API: it uses the hoisted copy the controllers workspace declares.
// eslint-disable-next-line @backstage/no-undeclared-imports
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  type KubernetesObject,
  NetworkingV1Api,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { render } from './render.ts';
import { type StatusUpdate, statusUpdates } from './status.ts';
import {
  GATEWAY_GROUP,
  type Gateway,
  type GatewayClass,
  type HTTPRoute,
  type Settings,
  type World,
} from './types.ts';

const CONTROLLER_NAME = 'kli8nt.io/testenv-ingress-adapter';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    'caddy-admin': { type: 'string' },
    storage: { type: 'string' },
    'listen-ip': { type: 'string' },
    'http-port': { type: 'string' },
    'https-port': { type: 'string' },
    'health-port': { type: 'string' },
    'ingress-class': { type: 'string', default: 'kli8nt-test' },
    'gateway-class': { type: 'string', default: 'kli8nt-test' },
    'default-certificate': { type: 'string' },
    'acme-directory': { type: 'string' },
    'acme-ca-roots': { type: 'string' },
  },
});
function need(name: keyof typeof args): string {
  const v = args[name];
  if (typeof v !== 'string' || !v) throw new Error(`--${name} is required`);
  return v;
}
const [certNs, certName] = (args['default-certificate'] ?? '').split('/');
const settings: Settings = {
  controllerName: CONTROLLER_NAME,
  ingressClass: need('ingress-class'),
  defaultClass: true,
  gatewayClass: need('gateway-class'),
  ...(certName
    ? { defaultCertificate: { namespace: certNs, name: certName } }
    : {}),
  adminListen: `unix/${need('caddy-admin')}`,
  storageRoot: need('storage'),
  listenIp: need('listen-ip'),
  httpPort: Number(need('http-port')),
  httpsPort: Number(need('https-port')),
  acme: {
    directory: need('acme-directory'),
    trustedRootsPemFiles: [need('acme-ca-roots')],
  },
};

const log = (msg: string, extra?: unknown) =>
  // eslint-disable-next-line no-console
  console.log(
    new Date().toISOString(),
    msg,
    extra === undefined ? '' : JSON.stringify(extra),
  );

const kc = new KubeConfig();
kc.loadFromFile(need('kubeconfig'));
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

// client-node's informer stops on watch errors other than 410 Gone, so
// every error restarts it (which re-lists).
function watch<T extends KubernetesObject>(
  path: string,
  list: () => Promise<any>,
) {
  const informer = makeInformer<T>(kc, path, list);
  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, () => schedule());
  informer.on('error', err => {
    log(`watch ${path} failed; restarting`, String(err));
    setTimeout(
      () => informer.start().catch(e => log(`restart ${path}`, String(e))),
      2000,
    );
  });
  return informer;
}
const gw = (plural: string) => () =>
  custom.listClusterCustomObject({
    group: GATEWAY_GROUP,
    version: 'v1',
    plural,
  });
const informers = {
  ingresses: watch<V1Ingress>('/apis/networking.k8s.io/v1/ingresses', () =>
    net.listIngressForAllNamespaces(),
  ),
  services: watch<V1Service>('/api/v1/services', () =>
    core.listServiceForAllNamespaces(),
  ),
  endpointSlices: watch<V1EndpointSlice>(
    '/apis/discovery.k8s.io/v1/endpointslices',
    () => discovery.listEndpointSliceForAllNamespaces(),
  ),
  secrets: watch<V1Secret>('/api/v1/secrets', () =>
    core.listSecretForAllNamespaces(),
  ),
  httpRoutes: watch(`/apis/${GATEWAY_GROUP}/v1/httproutes`, gw('httproutes')),
  gateways: watch(`/apis/${GATEWAY_GROUP}/v1/gateways`, gw('gateways')),
  gatewayClasses: watch(
    `/apis/${GATEWAY_GROUP}/v1/gatewayclasses`,
    gw('gatewayclasses'),
  ),
};

function caddy(method: string, path: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: need('caddy-admin'),
        path,
        method,
        headers: payload ? { 'Content-Type': 'application/json' } : {},
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => (text += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(text)
            : reject(
                new Error(`caddy ${method} ${path}: ${res.statusCode} ${text}`),
              ),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** JSON with sorted keys: Caddy echoes its config back in its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}

async function write(u: StatusUpdate) {
  const body = { status: u.status };
  const { name, namespace, plural } = u;
  if (plural === 'ingresses') {
    await net.patchNamespacedIngressStatus(
      { name, namespace: namespace!, body },
      mergePatch,
    );
  } else if (plural === 'gatewayclasses') {
    await custom.patchClusterCustomObjectStatus(
      { group: GATEWAY_GROUP, version: 'v1', plural, name, body },
      mergePatch,
    );
  } else {
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: GATEWAY_GROUP,
        version: 'v1',
        namespace: namespace!,
        plural,
        name,
        body,
      },
      mergePatch,
    );
  }
}

let ready = false;
let synced = false;
let timer: NodeJS.Timeout | undefined;
let running = false;
let again = false;
let lastProblems = '';
function schedule(delayMs = 200) {
  if (!synced) return;
  clearTimeout(timer);
  timer = setTimeout(sync, delayMs);
}
async function sync() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const world: World = {
      ingresses: informers.ingresses.list(),
      services: informers.services.list(),
      endpointSlices: informers.endpointSlices.list(),
      secrets: informers.secrets.list(),
      httpRoutes: informers.httpRoutes.list() as unknown as HTTPRoute[],
      gateways: informers.gateways.list() as unknown as Gateway[],
    };
    const out = render(world, settings);
    // Caddy keeps no config across a restart; comparing (rather than
    // posting every time) keeps its log free of no-op reloads.
    const current = await caddy('GET', '/config/');
    if (canonical(JSON.parse(current || 'null')) !== canonical(out.config)) {
      await caddy('POST', '/load', out.config);
      log('Caddy programmed', {
        routes: out.ingresses.length + out.routeParents.size,
      });
    }
    ready = true;
    const problems = out.problems.join('\n');
    if (problems !== lastProblems) {
      if (problems) log('not served as asked', out.problems);
      lastProblems = problems;
    }
    const classes =
      informers.gatewayClasses.list() as unknown as GatewayClass[];
    for (const u of statusUpdates(out, world, classes, settings))
      await write(u);
  } catch (e) {
    log('sync failed; retrying', String(e));
    setTimeout(() => schedule(), 2000);
  } finally {
    running = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

async function main() {
  http
    .createServer((req, res) => {
      res
        .writeHead(req.url === '/healthz' && ready ? 200 : 503)
        .end(ready ? 'ok\n' : 'not ready\n');
    })
    .listen(Number(need('health-port')), '127.0.0.1');
  // Render only once every cache is full: a partial view would drop routes.
  await Promise.all(Object.values(informers).map(i => i.start()));
  synced = true;
  log('informers synced; programming Caddy');
  schedule(0);
  // A restarted Caddy has lost its config; an unchanged load is a no-op.
  setInterval(() => schedule(0), 3_000);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => process.exit(0));
main().catch(e => {
  log('adapter failed', String(e));
  process.exit(1);
});
