import { Entity } from '@backstage/catalog-model';
import { repoFromEntity, repoUrl } from './repo';

const options = {
  defaultHost: 'github.com',
  isGithubHost: (host: string) => ['github.com', 'ghe.acme.io'].includes(host),
};

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'shop', annotations },
  };
}

describe('repoFromEntity', () => {
  it('prefers the project slug', () => {
    expect(
      repoFromEntity(
        entity({
          'github.com/project-slug': 'acme/shop',
          'backstage.io/source-location': 'url:https://ghe.acme.io/x/y',
        }),
        options,
      ),
    ).toEqual({ host: 'github.com', owner: 'acme', name: 'shop' });
  });

  it('falls back to a GitHub source location', () => {
    expect(
      repoFromEntity(
        entity({
          'backstage.io/source-location':
            'url:https://ghe.acme.io/acme/shop.git/tree/main/',
        }),
        options,
      ),
    ).toEqual({ host: 'ghe.acme.io', owner: 'acme', name: 'shop' });
  });

  it.each([
    [{}],
    [{ 'backstage.io/source-location': 'url:https://gitlab.com/acme/shop' }],
    [{ 'backstage.io/source-location': 'not a url' }],
    [{ 'github.com/project-slug': 'acme/shop/extra' }],
    [{ 'github.com/project-slug': '../etc' }],
  ])('rejects %j', annotations => {
    expect(() => repoFromEntity(entity(annotations), options)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });

  it('renders the repository URL', () => {
    expect(repoUrl({ host: 'github.com', owner: 'a', name: 'b' })).toBe(
      'https://github.com/a/b',
    );
  });
});
