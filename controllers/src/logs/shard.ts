import { fnv1a32 } from '@kli8nt/backstage-plugin-kli8nt-common';

/** This replica's share of the pods: replica `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The replica that follows a pod, from its UID (stable for the pod's life)
 * and FNV-1a (the same in every process, version and platform).
 */
export function shardOf(podUid: string, count: number): number {
  return count <= 1 ? 0 : Number.parseInt(fnv1a32(podUid), 16) % count;
}

export function ownsPod(podUid: string, shard: Shard): boolean {
  return shardOf(podUid, shard.count) === shard.index;
}

/**
 * The replica index of a StatefulSet pod, from its hostname (`name-<n>`),
 * so that replicas need no per-pod configuration.
 */
export function ordinalFromHostname(
  hostname: string | undefined,
): number | undefined {
  const match = hostname ? /-(\d+)$/.exec(hostname) : null;
  return match ? Number(match[1]) : undefined;
}
