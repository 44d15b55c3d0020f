import { SpecChanges } from './specChanges';

const app = (generation: number, extra: object = {}) => ({
  metadata: { namespace: 'apps', name: 'shop', generation, ...extra },
});

describe('SpecChanges', () => {
  it('lets adds, deletes and spec updates through, not status echoes', () => {
    const changes = new SpecChanges();
    expect(changes.changed('add', app(1))).toBe(true);
    // Our status write: same generation.
    expect(changes.changed('update', app(1, { resourceVersion: '9' }))).toBe(
      false,
    );
    expect(changes.changed('update', app(2))).toBe(true);
    expect(changes.changed('update', app(2))).toBe(false);
    expect(
      changes.changed(
        'update',
        app(2, { deletionTimestamp: '2026-12-02T14:00:00Z' }),
      ),
    ).toBe(true);
    expect(changes.changed('delete', app(2))).toBe(true);
  });

  it('lets the first update of an object it never saw through', () => {
    // e.g. seen first in a relist after a restart
    expect(new SpecChanges().changed('update', app(3))).toBe(true);
  });

  it('tells objects of the same name in other namespaces apart', () => {
    const changes = new SpecChanges();
    changes.changed('add', app(1));
    const other = { metadata: { namespace: 'b', name: 'shop', generation: 1 } };
    expect(changes.changed('update', other)).toBe(true);
  });

  it('forgets a deleted object: one made again under its name is new', () => {
    const changes = new SpecChanges();
    changes.changed('add', app(1));
    changes.changed('delete', app(1));
    expect(changes.changed('update', app(1))).toBe(true);
  });
});
