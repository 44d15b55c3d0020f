import { z } from 'zod/v4';

// What a build produces: container image references and digests.

/**
 * An image digest: `sha256:` followed by 64 lowercase hex characters.
 *
 * @public
 */
export const imageDigestSchema = z
  .string()
  .max(71, 'must be sha256: followed by 64 lowercase hex characters')
  .regex(
    /^sha256:[0-9a-f]{64}$/,
    'must be sha256: followed by 64 lowercase hex characters',
  );

const IMAGE_NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_DOMAIN =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${IMAGE_DOMAIN}/)?${IMAGE_NAME_COMPONENT}(?:/${IMAGE_NAME_COMPONENT})*` +
    `(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

/**
 * A container image reference: `[registry[:port]/]path[:tag][@sha256:…]`, in
 * the grammar of the OCI distribution reference, at most 512 characters.
 *
 * @public
 */
export const imageReferenceSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters')
  .regex(
    IMAGE_REFERENCE,
    'must be an image reference such as registry.example.com/app@sha256:…',
  );
