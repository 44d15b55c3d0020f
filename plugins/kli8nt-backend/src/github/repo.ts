import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { Kli8ntBackendConfig } from '../config';
import { RepoRef } from '../database/types';
import { checkRepositoryBinding, RepositoryBindingOptions } from './binding';

// GitHub owners are alphanumeric with dashes; names may not be '.' or '..'.
const SLUG = /^([A-Za-z0-9][A-Za-z0-9-]*)\/(?!\.\.?$)([A-Za-z0-9_.-]+)$/;

/**
 * The GitHub repository of an entity, from its `github.com/project-slug`
 * annotation or else its `backstage.io/source-location`, once repository
 * binding allows it (see `checkRepositoryBinding`: 403 otherwise). The
 * request body never names a repository: the catalog decides what gets
 * deployed.
 */
export function repoFromEntity(
  entity: Entity,
  options: { defaultHost: string } & RepositoryBindingOptions,
): RepoRef {
  const repo = namedRepo(entity, options);
  checkRepositoryBinding(entity, repo, options);
  return repo;
}

/** The repository of an entity, once repository binding allows it. */
export type EntityRepoResolver = (entity: Entity) => RepoRef;

/**
 * {@link repoFromEntity} with the operator's settings (`kli8nt.github.host`
 * and `.trustedOrigins`). The one place they are read for it: deploys,
 * branches, git settings and webhooks all share one resolver, so they
 * cannot check an entity differently (#17).
 */
export function entityRepoResolver(
  config: Pick<Kli8ntBackendConfig['github'], 'host' | 'trustedOrigins'>,
  github: { isGithubHost(host: string): boolean },
): EntityRepoResolver {
  const options = {
    defaultHost: config.host,
    isGithubHost: (host: string) => github.isGithubHost(host),
    trustedOrigins: config.trustedOrigins,
  };
  return entity => repoFromEntity(entity, options);
}

function namedRepo(
  entity: Entity,
  options: { defaultHost: string; isGithubHost(host: string): boolean },
): RepoRef {
  const annotations = entity.metadata.annotations ?? {};
  const slug = annotations['github.com/project-slug'];
  if (slug) {
    const match = SLUG.exec(slug.trim());
    if (!match) {
      throw new InputError(
        `Invalid github.com/project-slug annotation '${slug}': expected owner/name`,
      );
    }
    return { host: options.defaultHost, owner: match[1], name: match[2] };
  }
  const location = annotations['backstage.io/source-location'];
  if (location) {
    const target = location.replace(/^url:/, '');
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new InputError(
        `Invalid backstage.io/source-location annotation '${location}'`,
      );
    }
    const [owner, rawName] = url.pathname.split('/').filter(Boolean);
    const name = rawName?.replace(/\.git$/, '');
    if (
      options.isGithubHost(url.host) &&
      owner &&
      name &&
      SLUG.test(`${owner}/${name}`)
    ) {
      return { host: url.host, owner, name };
    }
  }
  throw new InputError(
    'The entity has no GitHub repository: add a github.com/project-slug annotation',
  );
}

export function repoUrl(repo: RepoRef): string {
  return `https://${repo.host}/${repo.owner}/${repo.name}`;
}
