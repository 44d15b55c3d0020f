/*
 * The Gateway API half of the renderer: HTTPRoutes attached to Gateways of
 * the adapter's GatewayClass, with the parent statuses a controller owes them.
 */
import {
  GATEWAY_GROUP,
  type Condition,
  type Gateway,
  type Listener,
  type ParentReference,
  type Rendered,
  type RouteParentStatus,
  type Settings,
  type World,
} from './types.ts';
import {
  type Route,
  byName,
  condition,
  key,
  proxyTo,
  resolveBackend,
} from './backends.ts';

function hostMatches(pattern: string | undefined, host: string): boolean {
  if (!pattern) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

function listenersFor(gw: Gateway, ref: ParentReference): Listener[] {
  return gw.spec.listeners.filter(
    l =>
      (!ref.sectionName || l.name === ref.sectionName) &&
      (!ref.port || l.port === ref.port),
  );
}

export function gatewayRoutes(
  world: World,
  s: Settings,
  out: Rendered,
): Route[] {
  const services = byName(world.services);
  const ours = new Map(
    world.gateways
      .filter(g => g.spec.gatewayClassName === s.gatewayClass)
      .map(g => [key(g.metadata.namespace, g.metadata.name), g]),
  );
  const attached = new Map<string, Record<string, number>>();
  for (const [k, gw] of ours) {
    attached.set(
      k,
      Object.fromEntries(gw.spec.listeners.map(l => [l.name, 0])),
    );
    out.gateways.push({ gateway: gw, attached: attached.get(k)! });
  }
  const routes: Route[] = [];
  for (const route of world.httpRoutes) {
    const ns = route.metadata.namespace ?? 'default';
    const gen = route.metadata.generation;
    // Backends first: ResolvedRefs is the same for every parent.
    const handles: Array<{
      path: string;
      exact: boolean;
      handle: Record<string, unknown>;
    }> = [];
    const refErrors: Array<{ reason: string; message: string }> = [];
    for (const rule of route.spec.rules ?? []) {
      const dials: string[] = [];
      for (const b of rule.backendRefs ?? []) {
        if ((b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') {
          refErrors.push({
            reason: 'InvalidKind',
            message: `backendRef ${b.name}: only Services are supported`,
          });
        } else if ((b.namespace ?? ns) !== ns) {
          refErrors.push({
            reason: 'RefNotPermitted',
            message: `backendRef ${b.namespace}/${b.name}: no ReferenceGrant support`,
          });
        } else {
          const r = resolveBackend(world, services, ns, b.name, b.port);
          if ('error' in r)
            refErrors.push({ reason: 'BackendNotFound', message: r.error });
          else dials.push(...r.dials);
        }
      }
      const firstName = rule.backendRefs?.[0]?.name ?? '';
      for (const m of rule.matches?.length ? rule.matches : [{}]) {
        const type = m.path?.type ?? 'PathPrefix';
        if (type !== 'PathPrefix' && type !== 'Exact') {
          out.problems.push(
            `HTTPRoute ${key(
              ns,
              route.metadata.name,
            )}: path type ${type} is not supported`,
          );
          continue;
        }
        handles.push({
          path: m.path?.value ?? '/',
          exact: type === 'Exact',
          handle: proxyTo(ns, firstName, [...new Set(dials)].sort()),
        });
      }
    }
    const parents: RouteParentStatus[] = [];
    for (const ref of route.spec.parentRefs ?? []) {
      if (
        (ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP ||
        (ref.kind ?? 'Gateway') !== 'Gateway'
      )
        continue;
      const gk = key(ref.namespace ?? ns, ref.name);
      const gw = ours.get(gk);
      if (!gw) continue;
      const listeners = listenersFor(gw, ref);
      const wanted = route.spec.hostnames ?? [];
      const accepted: Array<{
        listener: Listener;
        hosts: Array<string | undefined>;
      }> = [];
      for (const l of listeners) {
        const hosts = wanted.length
          ? wanted.filter(h => hostMatches(l.hostname, h))
          : [l.hostname];
        if (hosts.length) accepted.push({ listener: l, hosts });
      }
      let acceptedCond: Condition;
      if (!listeners.length) {
        acceptedCond = condition(
          'Accepted',
          false,
          'NoMatchingParent',
          `no listener of ${gk} matches`,
          gen,
        );
      } else if (!accepted.length) {
        acceptedCond = condition(
          'Accepted',
          false,
          'NoMatchingListenerHostname',
          'no listener hostname matches the route',
          gen,
        );
      } else {
        acceptedCond = condition(
          'Accepted',
          true,
          'Accepted',
          `attached to ${gk}`,
          gen,
        );
      }
      const resolvedCond = refErrors.length
        ? condition(
            'ResolvedRefs',
            false,
            refErrors[0].reason,
            refErrors.map(e => e.message).join('; '),
            gen,
          )
        : condition(
            'ResolvedRefs',
            true,
            'ResolvedRefs',
            'all backend references resolved',
            gen,
          );
      parents.push({
        parentRef: ref,
        controllerName: s.controllerName,
        conditions: [acceptedCond, resolvedCond],
      });
      for (const { listener, hosts } of accepted) {
        attached.get(gk)![listener.name] += 1;
        const server = listener.protocol === 'HTTPS' ? 'https' : 'http';
        for (const host of hosts) {
          for (const h of handles) {
            routes.push({
              host,
              ...h,
              servers: [server],
              created: String(route.metadata.creationTimestamp ?? ''),
            });
          }
        }
      }
    }
    if (parents.length)
      out.routeParents.set(key(ns, route.metadata.name), parents);
  }
  return routes;
}
