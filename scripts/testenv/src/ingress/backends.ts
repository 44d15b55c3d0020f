/*
 * Shared by the Ingress and HTTPRoute halves of the renderer: how a Service
 * port becomes Caddy upstreams. Like ingress-nginx, Traefik and Envoy-based
 * controllers, the adapter dials the ready endpoints (pod IPs) directly
 * rather than the ClusterIP.
 */
import type { Condition, World } from './types.ts';

export interface Route {
  host?: string;
  path: string;
  exact: boolean;
  handle: Record<string, unknown>;
  servers: Array<'http' | 'https'>;
  /** Older objects win a host + path both claim, as in ingress-nginx. */
  created: string;
}

export const key = (ns: string | undefined, name: string | undefined) =>
  `${ns ?? ''}/${name ?? ''}`;

export function byName<
  T extends { metadata?: { namespace?: string; name?: string } },
>(items: readonly T[]) {
  return new Map(
    items.map(i => [key(i.metadata?.namespace, i.metadata?.name), i]),
  );
}

/** `ip:port` of every ready endpoint behind a Service port. */
export function resolveBackend(
  world: World,
  services: Map<string, World['services'][number]>,
  ns: string,
  name: string,
  port: number | string | undefined,
): { dials: string[] } | { error: string } {
  const svc = services.get(key(ns, name));
  if (!svc) return { error: `Service ${ns}/${name} not found` };
  const sp = svc.spec?.ports?.find(p =>
    typeof port === 'number' ? p.port === port : p.name === port,
  );
  if (!sp) return { error: `Service ${ns}/${name} has no port ${port}` };
  const dials = new Set<string>();
  for (const slice of world.endpointSlices) {
    if (
      slice.metadata?.namespace !== ns ||
      slice.metadata?.labels?.['kubernetes.io/service-name'] !== name
    ) {
      continue;
    }
    const target = slice.ports?.find(p => (p.name ?? '') === (sp.name ?? ''));
    if (!target?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const addr = ep.addresses[0];
      if (addr) {
        dials.add(`${addr.includes(':') ? `[${addr}]` : addr}:${target.port}`);
      }
    }
  }
  return { dials: [...dials].sort() };
}

export function proxyTo(ns: string, name: string, dials: string[]) {
  return dials.length > 0
    ? { handler: 'reverse_proxy', upstreams: dials.map(dial => ({ dial })) }
    : {
        handler: 'static_response',
        status_code: 503,
        body: `no ready endpoints for ${ns}/${name}\n`,
      };
}

export function condition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  generation?: number,
): Condition {
  return {
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}
