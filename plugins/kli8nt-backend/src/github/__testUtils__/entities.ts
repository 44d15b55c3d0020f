import { Entity } from '@backstage/catalog-model';

/** The location ref of a catalog file in a github.com repository. */
export const catalogFile = (repo: string) =>
  `url:https://github.com/${repo}/blob/main/catalog-info.yaml`;

/**
 * A component naming `slug` as its repository, with the location
 * annotations the catalog writes when it reads the entity (`own`) through a
 * registered location (`origin`): what repository binding checks.
 */
export function registeredComponent(
  name: string,
  locations: { own?: string; origin?: string },
  slug = 'acme/shop',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'github.com/project-slug': slug,
        ...(locations.own
          ? { 'backstage.io/managed-by-location': locations.own }
          : {}),
        ...(locations.origin
          ? { 'backstage.io/managed-by-origin-location': locations.origin }
          : {}),
      },
    },
    spec: { type: 'service', owner: 'user:default/mock', lifecycle: 'x' },
  };
}
