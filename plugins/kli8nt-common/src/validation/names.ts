import { z } from 'zod/v4';

// Names of things Kli8nt and the catalog own: apps, clusters, DNS names,
// entity references.

/**
 * An app name: an RFC 1035 label (lowercase letters, digits and `-`, at most
 * 63 characters, starting with a letter and not ending with `-`). That is a
 * DNS-1123 label which is also valid as a Kubernetes Service name.
 *
 * @public
 */
export const appNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, starting with a letter and not ending with -',
  );

/**
 * A cluster name, used in queue names such as `build.<cluster>`: a DNS-1123
 * label (lowercase letters, digits and `-`, at most 63 characters).
 *
 * @public
 */
export const clusterNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, not starting or ending with -',
  );

/**
 * A DNS host name (lowercase, no trailing dot, no wildcard), at most 253
 * characters with labels of at most 63.
 *
 * @public
 */
export const dnsNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a lowercase DNS name such as apps.example.com',
  );

const ENTITY_KIND = /^[A-Za-z][A-Za-z0-9]*$/;
const ENTITY_NAMESPACE = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/i;
const ENTITY_NAME = /^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;

/**
 * A full entity reference `kind:namespace/name` following the catalog's
 * naming rules (kind letters and digits; namespace a DNS label; name
 * letters, digits and single `-` `_` `.` separators; each at most 63).
 *
 * @public
 */
export const entityRefSchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .refine(v => {
    const match = /^([^:/]+):([^:/]+)\/([^:/]+)$/.exec(v);
    if (!match) return false;
    const [, kind, namespace, name] = match;
    return (
      kind.length <= 63 &&
      namespace.length <= 63 &&
      name.length <= 63 &&
      ENTITY_KIND.test(kind) &&
      ENTITY_NAMESPACE.test(namespace) &&
      ENTITY_NAME.test(name)
    );
  }, 'must be an entity reference kind:namespace/name such as component:default/shop');
