import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  parseLocationRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { RepoRef } from '../database/types';

/** How {@link checkRepositoryBinding} tells trusted catalog origins. */
export interface RepositoryBindingOptions {
  isGithubHost(host: string): boolean;
  /**
   * Location refs (prefixes, e.g. `url:https://github.com/acme/catalog/`)
   * whose entities may name any repository: a catalog repository the
   * platform team reviews. `kli8nt.github.trustedOrigins`.
   */
  trustedOrigins?: string[];
}

/** The GitHub repository a `url:` location ref points into, if any. */
export function repoOfLocation(
  ref: string,
  isGithubHost: (host: string) => boolean,
): RepoRef | undefined {
  try {
    const { type, target } = parseLocationRef(ref);
    if (type !== 'url') return undefined;
    const url = new URL(target);
    const [owner, name] = url.pathname.split('/').filter(Boolean);
    if (!owner || !name || !isGithubHost(url.host)) return undefined;
    return { host: url.host, owner, name: name.replace(/\.git$/, '') };
  } catch {
    return undefined;
  }
}

const same = (a: RepoRef, b: RepoRef) =>
  a.host.toLowerCase() === b.host.toLowerCase() &&
  a.owner.toLowerCase() === b.owner.toLowerCase() &&
  a.name.toLowerCase() === b.name.toLowerCase();

/**
 * Repository binding: an entity deploys only the repository its catalog
 * file was read from. The catalog writes both location annotations itself
 * (an entity file cannot set them), and anyone may register a `url`
 * location, so an entity registered from `evil/x` that names `acme/private`
 * is refused: naming a repository takes write access to it (its catalog
 * file lives there). Allowed besides: entities whose origin is not a `url`
 * registration — `file` locations and entity providers, which only the
 * operator's configuration adds — and origins listed in `trustedOrigins`.
 * Throws a 403 naming the rule.
 */
export function checkRepositoryBinding(
  entity: Entity,
  repo: RepoRef,
  options: RepositoryBindingOptions,
): void {
  const annotations = entity.metadata.annotations ?? {};
  const origin = annotations[ANNOTATION_ORIGIN_LOCATION];
  const own = annotations[ANNOTATION_LOCATION];
  if (!origin || !origin.startsWith('url:')) return;
  if ((options.trustedOrigins ?? []).some(t => origin.startsWith(t))) return;
  const bound = [own, origin]
    .filter((ref): ref is string => Boolean(ref))
    .map(ref => repoOfLocation(ref, options.isGithubHost));
  if (bound.some(r => r && same(r, repo))) return;
  throw new NotAllowedError(
    `Repository binding: ${stringifyEntityRef(entity)} was registered from ${
      own ?? origin
    } and may deploy only the repository its catalog file is in, not ${
      repo.owner
    }/${repo.name}. Register it from a catalog-info.yaml in ${repo.owner}/${
      repo.name
    }, or have an admin list its origin in kli8nt.github.trustedOrigins.`,
  );
}
