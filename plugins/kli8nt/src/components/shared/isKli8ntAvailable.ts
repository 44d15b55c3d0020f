import type { Entity } from '@backstage/catalog-model';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from './format';

/**
 * Whether the Kli8nt tabs apply to an entity: it has a GitHub source
 * (`github.com/project-slug`).
 *
 * @public
 */
export function isKli8ntAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION]);
}
