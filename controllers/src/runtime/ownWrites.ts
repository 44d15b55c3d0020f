import type { KubernetesObject } from '@kubernetes/client-node';
import type { InformerEvent } from './informer';

/**
 * The versions of the objects a reconcile pass wrote and then judged from
 * the API server's answer: the informer's event for exactly that version
 * (the echo of the write) brings nothing that pass did not see, so it
 * queues no second pass. Any other version, and every delete, does.
 */
export class OwnWrites {
  private readonly versions = new Map<string, string>();

  /** Notes an object as the API server answered a write of it. */
  wrote(obj: KubernetesObject): void {
    const version = obj.metadata?.resourceVersion;
    if (version) this.versions.set(keyOf(obj), version);
  }

  /** Whether the event is the echo of a noted write (true once per write). */
  isEcho(event: InformerEvent, obj: KubernetesObject): boolean {
    const key = keyOf(obj);
    const noted = this.versions.get(key);
    const version = obj.metadata?.resourceVersion;
    if (event === 'delete' || noted !== version) {
      if (event === 'delete') this.versions.delete(key);
      return false;
    }
    this.versions.delete(key);
    return true;
  }
}

function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace}/${obj.metadata?.name}`;
}
