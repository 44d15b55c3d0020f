import { findHostConflict } from './hosts';
import type { App } from './types';

function app(
  name: string,
  hosts: string[],
  options: { created?: string; serving?: string[]; deleting?: boolean } = {},
): App {
  return {
    apiVersion: 'kli8nt.io/v1alpha1',
    kind: 'App',
    metadata: {
      name,
      namespace: 'apps',
      creationTimestamp: (options.created ??
        '2026-01-01T00:00:00Z') as unknown as Date,
      ...(options.deleting
        ? { deletionTimestamp: '2026-02-01T00:00:00Z' as unknown as Date }
        : {}),
    },
    spec: { hosts: [`${name}.apps.example.com`, ...hosts] } as App['spec'],
    ...(options.serving ? { status: { hosts: options.serving } } : {}),
  };
}

describe('findHostConflict', () => {
  it('accepts distinct hosts', () => {
    expect(
      findHostConflict(app('shop', ['shop.example.org']), [
        app('blog', ['blog.example.org']),
      ]),
    ).toBeUndefined();
  });

  it('refuses a host another app serves, whoever is older', () => {
    const blog = app('blog', ['www.example.org'], {
      created: '2026-03-01T00:00:00Z',
      serving: ['blog.apps.example.com', 'www.example.org'],
    });
    expect(findHostConflict(app('shop', ['www.example.org']), [blog])).toEqual({
      host: 'www.example.org',
      owner: 'blog',
      message: 'Host www.example.org is already served by app blog',
    });
  });

  it('lets the app that serves a host keep it', () => {
    const blog = app('blog', ['www.example.org'], {
      created: '2025-01-01T00:00:00Z',
    });
    const shop = app('shop', ['www.example.org'], {
      serving: ['www.example.org'],
    });
    expect(findHostConflict(shop, [blog])).toBeUndefined();
    expect(findHostConflict(blog, [shop])?.owner).toBe('shop');
  });

  it('gives an unserved host to the oldest app that asks, then by name', () => {
    const older = app('blog', ['www.example.org'], {
      created: '2025-01-01T00:00:00Z',
    });
    const newer = app('shop', ['www.example.org']);
    expect(findHostConflict(newer, [older])).toEqual({
      host: 'www.example.org',
      owner: 'blog',
      message: 'Host www.example.org is already claimed by app blog',
    });
    expect(findHostConflict(older, [newer])).toBeUndefined();
    const twin = app('aaa', ['www.example.org']);
    expect(findHostConflict(newer, [twin])?.owner).toBe('aaa');
    expect(findHostConflict(twin, [newer])).toBeUndefined();
  });

  it('reserves <name>.<apps domain> for the app of that name', () => {
    expect(
      findHostConflict(app('shop', ['blog.apps.example.com']), []),
    ).toEqual({
      host: 'blog.apps.example.com',
      owner: 'blog',
      message:
        'Host blog.apps.example.com is reserved for app blog; use a domain outside apps.example.com',
    });
    // deeper names under the apps domain are not another app's host
    expect(
      findHostConflict(app('shop', ['x.shop.apps.example.com']), []),
    ).toBeUndefined();
  });

  it('ignores the app itself, apps being deleted and other namespaces', () => {
    const shop = app('shop', ['www.example.org']);
    const deleting = app('blog', ['www.example.org'], {
      created: '2025-01-01T00:00:00Z',
      serving: ['www.example.org'],
      deleting: true,
    });
    const elsewhere = {
      ...app('news', ['www.example.org'], { serving: ['www.example.org'] }),
    };
    elsewhere.metadata = { ...elsewhere.metadata, namespace: 'other' };
    expect(findHostConflict(shop, [shop, deleting, elsewhere])).toBeUndefined();
  });

  it('never gives an app’s own host to another app', () => {
    const squatter = app('blog', ['shop.apps.example.com'], {
      created: '2025-01-01T00:00:00Z',
      serving: ['shop.apps.example.com'],
    });
    expect(findHostConflict(app('shop', []), [squatter])).toBeUndefined();
    expect(findHostConflict(squatter, [app('shop', [])])?.owner).toBe('shop');
  });

  it('reports the first conflicting host in the App’s order', () => {
    const blog = app('blog', ['b.example.org', 'a.example.org'], {
      serving: ['a.example.org', 'b.example.org'],
    });
    expect(
      findHostConflict(app('shop', ['b.example.org', 'a.example.org']), [blog])
        ?.host,
    ).toBe('b.example.org');
  });
});
