/** This replica's share of the pods: replica `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** FNV-1a, 32 bits: stable across processes, versions and platforms. */
export function fnv1a32(value: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(value, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The replica that follows a pod, from its UID (stable for the pod's life). */
export function shardOf(podUid: string, count: number): number {
  return count <= 1 ? 0 : fnv1a32(podUid) % count;
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
