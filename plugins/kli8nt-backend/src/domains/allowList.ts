import {
  Entity,
  RELATION_OWNED_BY,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { DomainsConfig, SECRET_KEY, SUFFIXES_KEY } from './config';

/** The entity's owners as full refs (relations, else `spec.owner`). */
export function ownersOf(entity: Entity): string[] {
  const related = (entity.relations ?? []).filter(
    r => r.type === RELATION_OWNED_BY,
  );
  if (related.length > 0) return related.map(r => r.targetRef);
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string') return [];
  return [
    stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    ),
  ];
}

/** The suffixes the entity's apps may use: global plus its owners'. */
export function allowedSuffixesFor(
  config: DomainsConfig,
  entity: Entity,
): string[] {
  const owners = new Set(
    ownersOf(entity).map(o => o.toLocaleLowerCase('en-US')),
  );
  return [
    ...config.allowedSuffixes,
    ...config.owners
      .filter(entry => owners.has(entry.owner))
      .flatMap(entry => entry.allowedSuffixes),
  ];
}

/** The domain itself or a name under it. */
export function isUnder(domain: string, suffix: string): boolean {
  return domain === suffix || domain.endsWith(`.${suffix}`);
}

/**
 * Refuses custom domains the operator does not allow for this entity (none
 * while no suffix is allowed or no challenge secret is set), naming the
 * config key to change.
 */
export function assertDomainsAllowed(
  config: DomainsConfig,
  entity: Entity,
  domains: string[],
): void {
  if (domains.length === 0) return;
  const allowed = allowedSuffixesFor(config, entity);
  if (allowed.length === 0) {
    throw new InputError(
      `Custom domains are not enabled: ${SUFFIXES_KEY} lists no suffix for ${stringifyEntityRef(
        entity,
      )}; remove the domains or ask the platform team to allow one`,
    );
  }
  if (!config.challengeSecret) {
    throw new InputError(
      `Custom domains cannot be verified: ${SECRET_KEY} is not configured; remove the domains or ask the platform team to set it`,
    );
  }
  const refused = domains.filter(d => !allowed.some(s => isUnder(d, s)));
  if (refused.length > 0) {
    throw new InputError(
      `Custom domain${refused.length > 1 ? 's' : ''} ${refused.join(
        ', ',
      )} not allowed: ${stringifyEntityRef(
        entity,
      )} may use names under ${allowed.join(
        ', ',
      )} (${SUFFIXES_KEY} or kli8nt.domains.owners)`,
    );
  }
}
