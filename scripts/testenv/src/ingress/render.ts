/*
 * Pure core of the test world's ingress adapter: what the cluster's Ingress
 * and HTTPRoute objects ask for, as one Caddy JSON config plus the statuses
 * a controller reports back. Implements exactly the fields Kli8nt's deploy
 * role writes (controllers/src/deploy/builders.ts) and what a controller
 * needs to honour them; nothing else.
 */
import { X509Certificate } from 'node:crypto';
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import {
  ACME_ANNOTATION,
  ACME_VALUE,
  type Rendered,
  type Settings,
  type World,
} from './types.ts';
import {
  type Route,
  byName,
  key,
  proxyTo,
  resolveBackend,
} from './backends.ts';
import { gatewayRoutes } from './gateway.ts';

export function servesIngress(ing: V1Ingress, s: Settings): boolean {
  const cls =
    ing.spec?.ingressClassName ??
    ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  return cls === s.ingressClass || (cls === undefined && s.defaultClass);
}

function tlsPair(secret: V1Secret | undefined) {
  const crt = secret?.data?.['tls.crt'];
  const pem = secret?.data?.['tls.key'];
  if (!crt || !pem) return undefined;
  return {
    certificate: Buffer.from(crt, 'base64').toString('utf8'),
    key: Buffer.from(pem, 'base64').toString('utf8'),
  };
}

/** A name the certificate covers, for clients that send no (known) SNI. */
function serverNameOf(certificate: string): string | undefined {
  try {
    const san = new X509Certificate(certificate).subjectAltName ?? '';
    const dns = san
      .split(', ')
      .find(e => e.startsWith('DNS:'))
      ?.slice(4);
    return dns?.replace(/^\*\./, 'default.');
  } catch {
    return undefined;
  }
}

function ingressRoutes(world: World, s: Settings, out: Rendered): Route[] {
  const services = byName(world.services);
  const routes: Route[] = [];
  for (const ing of world.ingresses) {
    if (!servesIngress(ing, s)) continue;
    out.ingresses.push(ing);
    const ns = ing.metadata?.namespace ?? 'default';
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const svc = p.backend.service;
        if (!svc) {
          out.problems.push(
            `Ingress ${key(
              ns,
              ing.metadata?.name,
            )}: only Service backends are supported`,
          );
          continue;
        }
        const port = svc.port?.number ?? svc.port?.name;
        const resolved = resolveBackend(world, services, ns, svc.name, port);
        if ('error' in resolved) out.problems.push(resolved.error);
        routes.push({
          host: rule.host,
          path: p.path ?? '/',
          exact: p.pathType === 'Exact',
          handle:
            'error' in resolved
              ? {
                  handler: 'static_response',
                  status_code: 503,
                  body: `${resolved.error}\n`,
                }
              : proxyTo(ns, svc.name, resolved.dials),
          servers: ['http', 'https'],
          created: String(ing.metadata?.creationTimestamp ?? ''),
        });
      }
    }
  }
  return routes;
}

/** Most specific first: Caddy takes the first terminal route that matches. */
function order(a: Route, b: Route): number {
  const hostRank = (r: Route) => {
    if (r.host === undefined) return 2;
    return r.host.startsWith('*.') ? 1 : 0;
  };
  const rank = (r: Route) => [hostRank(r), -r.path.length, r.exact ? 0 : 1];
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return a.created.localeCompare(b.created);
}

function caddyRoute(r: Route) {
  const match: Record<string, unknown> = {};
  if (r.host) match.host = [r.host];
  const trimmed = r.path.replace(/\/+$/, '');
  if (r.exact) match.path = [r.path];
  else if (trimmed) match.path = [trimmed, `${trimmed}/*`];
  return {
    ...(Object.keys(match).length ? { match: [match] } : {}),
    handle: [r.handle],
    terminal: true,
  };
}

function certificates(world: World, s: Settings, out: Rendered) {
  const secrets = byName(world.secrets);
  const wanted = new Set<string>();
  if (s.defaultCertificate) {
    wanted.add(key(s.defaultCertificate.namespace, s.defaultCertificate.name));
  }
  const acme = new Set<string>();
  for (const ing of out.ingresses) {
    const ns = ing.metadata?.namespace;
    const isAcme = ing.metadata?.annotations?.[ACME_ANNOTATION] === ACME_VALUE;
    for (const t of ing.spec?.tls ?? []) {
      if (t.secretName && !isAcme) wanted.add(key(ns, t.secretName));
      if (isAcme) for (const h of t.hosts ?? []) acme.add(h);
    }
    if (isAcme && !ing.spec?.tls?.length) {
      for (const r of ing.spec?.rules ?? []) if (r.host) acme.add(r.host);
    }
  }
  for (const { gateway } of out.gateways) {
    for (const l of gateway.spec.listeners) {
      for (const ref of l.tls?.certificateRefs ?? []) {
        wanted.add(key(ref.namespace ?? gateway.metadata.namespace, ref.name));
      }
    }
  }
  const loadPem: Array<Record<string, unknown>> = [];
  let defaultName: string | undefined;
  for (const k of [...wanted].sort()) {
    const pair = tlsPair(secrets.get(k));
    if (!pair) {
      out.problems.push(
        `TLS Secret ${k} is missing or has no tls.crt/tls.key; the default certificate is served instead`,
      );
      continue;
    }
    loadPem.push({ ...pair, tags: [k] });
    if (
      s.defaultCertificate &&
      k === key(s.defaultCertificate.namespace, s.defaultCertificate.name)
    ) {
      defaultName = serverNameOf(pair.certificate);
    }
  }
  // HTTP-01 cannot prove a wildcard name.
  const acmeHosts = [...acme].filter(h => !h.includes('*')).sort();
  return { loadPem, acmeHosts, defaultName };
}

/** Renders the whole Caddy config; `POST /load` of an unchanged one is a no-op. */
export function render(world: World, s: Settings): Rendered {
  const out: Rendered = {
    config: {},
    ingresses: [],
    routeParents: new Map(),
    gateways: [],
    problems: [],
  };
  const routes = [
    ...ingressRoutes(world, s, out),
    ...gatewayRoutes(world, s, out),
  ].sort(order);
  const { loadPem, acmeHosts, defaultName } = certificates(world, s, out);
  const notFound = {
    handle: [
      {
        handler: 'static_response',
        status_code: 404,
        body: 'no route for this host\n',
      },
    ],
  };
  const serverRoutes = (server: 'http' | 'https') => [
    ...routes.filter(r => r.servers.includes(server)).map(caddyRoute),
    notFound,
  ];
  // Every issuer is Pebble: no name this config manages can ever reach a
  // public CA, whatever Caddy's defaults are.
  const issuer = {
    module: 'acme',
    ca: s.acme.directory,
    trusted_roots_pem_files: s.acme.trustedRootsPemFiles,
    challenges: {
      http: { alternate_port: s.httpPort },
      'tls-alpn': { disabled: true },
      bind_host: s.listenIp,
    },
  };
  out.config = {
    admin: { listen: s.adminListen, config: { persist: false } },
    storage: { module: 'file_system', root: s.storageRoot },
    // The adapter polls the admin API; those requests would be most of the log.
    logging: { logs: { default: { level: 'INFO', exclude: ['admin.api'] } } },
    apps: {
      http: {
        http_port: s.httpPort,
        https_port: s.httpsPort,
        grace_period: '1s',
        servers: {
          https: {
            listen: [`${s.listenIp}:${s.httpsPort}`],
            // No HTTP/3: nothing here speaks QUIC, and it would add a UDP listener.
            protocols: ['h1', 'h2'],
            routes: serverRoutes('https'),
            tls_connection_policies: [
              defaultName
                ? { default_sni: defaultName, fallback_sni: defaultName }
                : {},
            ],
            automatic_https: { disable: true },
          },
          http: {
            listen: [`${s.listenIp}:${s.httpPort}`],
            protocols: ['h1'],
            routes: serverRoutes('http'),
            automatic_https: { disable: true },
          },
        },
      },
      tls: {
        certificates: {
          ...(loadPem.length ? { load_pem: loadPem } : {}),
          ...(acmeHosts.length ? { automate: acmeHosts } : {}),
        },
        automation: {
          policies: [
            ...(acmeHosts.length
              ? [
                  {
                    subjects: acmeHosts,
                    issuers: [issuer],
                    disable_ocsp_stapling: true,
                  },
                ]
              : []),
            { issuers: [issuer], disable_ocsp_stapling: true },
          ],
        },
        disable_ocsp_stapling: true,
      },
    },
  };
  return out;
}
