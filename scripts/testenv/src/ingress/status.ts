/*
 * The statuses the ingress adapter reports, as a real controller does: the
 * ingress address on Ingresses, Accepted/ResolvedRefs per parent on
 * HTTPRoutes, Accepted/Programmed on Gateways and GatewayClasses. Pure: the
 * adapter writes what this returns, and a resync of an unchanged world
 * returns nothing (comparisons ignore lastTransitionTime).
 */
import {
  GATEWAY_GROUP,
  type Condition,
  type GatewayClass,
  type Rendered,
  type RouteParentStatus,
  type Settings,
  type World,
} from './types.ts';

export interface StatusUpdate {
  plural: 'ingresses' | 'httproutes' | 'gateways' | 'gatewayclasses';
  name: string;
  namespace?: string;
  status: Record<string, unknown>;
}

const strip = (cs: Condition[] = []) =>
  cs.map(({ lastTransitionTime: _t, ...c }) => c);

/** Keeps a condition's transition time while its status stays the same. */
function stamped(next: Condition[], prev: Condition[] = [], now: string) {
  return next.map(c => {
    const old = prev.find(p => p.type === c.type);
    return {
      ...c,
      lastTransitionTime:
        old?.status === c.status && old.lastTransitionTime
          ? old.lastTransitionTime
          : now,
    };
  });
}

export const same = (a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b);

const ok = (type: string, generation?: number): Condition => ({
  type,
  status: 'True',
  reason: type,
  message: '',
  ...(generation !== undefined ? { observedGeneration: generation } : {}),
});

type GatewayStatus = {
  addresses?: unknown;
  conditions?: Condition[];
  listeners?: Array<{ name: string; conditions?: Condition[] }>;
};

export function statusUpdates(
  out: Rendered,
  world: World,
  classes: GatewayClass[],
  s: Settings,
  now = new Date().toISOString(),
): StatusUpdate[] {
  const updates: StatusUpdate[] = [];
  const address = [{ ip: s.listenIp }];
  for (const ing of out.ingresses) {
    if (!same(ing.status?.loadBalancer?.ingress, address)) {
      updates.push({
        plural: 'ingresses',
        name: ing.metadata!.name!,
        namespace: ing.metadata!.namespace,
        status: { loadBalancer: { ingress: address } },
      });
    }
  }
  const mine = (p: RouteParentStatus) => p.controllerName === s.controllerName;
  for (const route of world.httpRoutes) {
    const { name, namespace } = route.metadata;
    const prev = route.status?.parents ?? [];
    const wanted = out.routeParents.get(`${namespace}/${name}`) ?? [];
    const current = prev
      .filter(mine)
      .map(p => ({ ...p, conditions: strip(p.conditions) }));
    if (same(current, wanted)) continue;
    // Parents of other controllers are theirs to write; keep them.
    const parents = [
      ...prev.filter(p => !mine(p)),
      ...wanted.map(p => {
        const old = prev.find(o => mine(o) && same(o.parentRef, p.parentRef));
        return {
          ...p,
          conditions: stamped(p.conditions, old?.conditions, now),
        };
      }),
    ];
    updates.push({
      plural: 'httproutes',
      name: name!,
      namespace,
      status: { parents },
    });
  }
  for (const { gateway, attached } of out.gateways) {
    const gen = gateway.metadata.generation;
    const prev = gateway.status as GatewayStatus | undefined;
    const listeners = gateway.spec.listeners.map(l => ({
      name: l.name,
      supportedKinds: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute' }],
      attachedRoutes: attached[l.name] ?? 0,
      conditions: ['Accepted', 'Programmed', 'ResolvedRefs'].map(t =>
        ok(t, gen),
      ),
    }));
    const wanted = {
      addresses: [{ type: 'IPAddress', value: s.listenIp }],
      conditions: [ok('Accepted', gen), ok('Programmed', gen)],
      listeners,
    };
    const current = {
      addresses: prev?.addresses,
      conditions: strip(prev?.conditions),
      listeners: (prev?.listeners ?? []).map(l => ({
        ...l,
        conditions: strip(l.conditions),
      })),
    };
    if (same(current, wanted)) continue;
    updates.push({
      plural: 'gateways',
      name: gateway.metadata.name!,
      namespace: gateway.metadata.namespace,
      status: {
        ...wanted,
        conditions: stamped(wanted.conditions, prev?.conditions, now),
        listeners: listeners.map(l => ({
          ...l,
          conditions: stamped(
            l.conditions,
            prev?.listeners?.find(p => p.name === l.name)?.conditions,
            now,
          ),
        })),
      },
    });
  }
  for (const cls of classes) {
    if (cls.spec.controllerName !== s.controllerName) continue;
    const want = [ok('Accepted', cls.metadata.generation)];
    if (same(strip(cls.status?.conditions), want)) continue;
    updates.push({
      plural: 'gatewayclasses',
      name: cls.metadata.name!,
      status: { conditions: stamped(want, cls.status?.conditions, now) },
    });
  }
  return updates;
}
