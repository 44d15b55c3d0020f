import {
  CustomObjectsApi,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

/** The field manager under which every kli8nt controller applies objects. */
export const FIELD_MANAGER = 'kli8nt';

/**
 * Server-side apply: creates or updates the object to exactly the fields we
 * own, idempotently. `force` takes over fields another manager set, since the
 * controller is the source of truth for what it owns.
 *
 * A separate `fieldManager` (prefixed `kli8nt-`) lets one writer own only a
 * few fields of an object that another writer applies in full: each apply
 * removes just the fields its own manager stopped sending.
 */
export async function applyObject<T extends KubernetesObject>(
  api: KubernetesObjectApi,
  desired: T,
  fieldManager: string = FIELD_MANAGER,
): Promise<T> {
  return api.patch(
    desired,
    undefined,
    undefined,
    fieldManager,
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** True when a client-node error is the API server's 404. */
export function isNotFound(error: unknown): boolean {
  return (error as { code?: number })?.code === 404;
}

/** True when a client-node error is the API server's 409. */
export function isConflict(error: unknown): boolean {
  return (error as { code?: number })?.code === 409;
}

/** Names a custom resource for the status helpers. */
export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/**
 * Replaces the whole status through the /status subresource only if the
 * object is still at `resourceVersion`, the one the reconciler read: a
 * second writer (an old replica, a stale cache) gets a 409 (`isConflict`)
 * instead of moving the status backwards. Requeue and rebuild on conflict.
 */
export async function replaceStatusAt(
  api: CustomObjectsApi,
  ref: CustomResourceRef,
  resourceVersion: string,
  status: object,
): Promise<KubernetesObject> {
  return api.patchNamespacedCustomObjectStatus(
    {
      ...ref,
      body: [
        // The API server checks a resourceVersion in the patched object
        // against the stored one.
        {
          op: 'replace',
          path: '/metadata/resourceVersion',
          value: resourceVersion,
        },
        { op: 'add', path: '/status', value: status },
      ],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}

/**
 * Writes `status` over the object's whole status at the resourceVersion it
 * was read at (see `replaceStatusAt`), then moves `object` to the written
 * status and version, so a later write in the same pass builds on it. A
 * stale object (another writer got there first) throws a 409: the worker
 * reads it again and rebuilds the status from what it finds.
 */
export async function writeStatusAt<S extends object>(
  api: CustomObjectsApi,
  ref: CustomResourceRef,
  object: { metadata: { resourceVersion?: string }; status?: S },
  status: S,
): Promise<void> {
  const version = object.metadata.resourceVersion;
  // An empty version would make the write unconditional.
  if (!version) {
    throw new Error(
      `${ref.plural}/${ref.namespace}/${ref.name} has no resourceVersion; read it from the API server before writing its status`,
    );
  }
  const written = await replaceStatusAt(api, ref, version, status);
  object.metadata.resourceVersion = written.metadata?.resourceVersion;
  object.status = status;
}

/** How often `retryOnConflict` runs a pass before leaving it to the work queue. */
export const CONFLICT_ATTEMPTS = 5;

/**
 * Runs `pass` (which must read what it writes fresh) again while it fails
 * with a 409, up to `attempts` times in all, like client-go's
 * RetryOnConflict: another writer moved the object, so the pass reads it
 * again and rebuilds its write on the newer state instead of forcing over
 * it. The last conflict is thrown, for the work queue to retry with backoff.
 */
export async function retryOnConflict<T>(
  pass: (attempt: number) => Promise<T>,
  attempts: number = CONFLICT_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pass(attempt);
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
    }
  }
}
