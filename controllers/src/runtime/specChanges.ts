import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEvent } from './informer';

/**
 * Tells an informer's events that may change what a reconcile pass does
 * from the echoes of status writes, like controller-runtime's
 * GenerationChangedPredicate: an update that moves neither the generation
 * nor the deletion of an object changed only its status or metadata. A
 * relist after a lost watch still tells a missed spec change: its
 * generation is new.
 */
export class SpecChanges {
  private readonly seen = new Map<string, string>();

  /** Whether the event is an add, a delete, or an update of spec or deletion. */
  changed(event: InformerEvent, obj: KubernetesObject): boolean {
    const { namespace, name, generation, deletionTimestamp } =
      obj.metadata ?? {};
    const key = `${namespace}/${name}`;
    const before = this.seen.get(key);
    const now = `${generation}/${deletionTimestamp ? 'deleting' : ''}`;
    if (event === 'delete') this.seen.delete(key);
    else this.seen.set(key, now);
    return event !== 'update' || before !== now;
  }
}
