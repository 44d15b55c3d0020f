import { OwnWrites } from './ownWrites';

const deployment = (resourceVersion: string) => ({
  metadata: { namespace: 'apps', name: 'shop', resourceVersion },
});

describe('OwnWrites', () => {
  it('swallows the one echo of a noted write, not later versions', () => {
    const writes = new OwnWrites();
    writes.wrote(deployment('7'));
    expect(writes.isEcho('add', deployment('7'))).toBe(true);
    // e.g. the same version again in a relist
    expect(writes.isEcho('update', deployment('7'))).toBe(false);
    // the Deployment controller's status update
    expect(writes.isEcho('update', deployment('8'))).toBe(false);
  });

  it('lets a newer version through even before the noted one arrives', () => {
    const writes = new OwnWrites();
    writes.wrote(deployment('7'));
    expect(writes.isEcho('update', deployment('9'))).toBe(false);
  });

  it('never swallows a delete, and forgets the object on it', () => {
    const writes = new OwnWrites();
    writes.wrote(deployment('7'));
    expect(writes.isEcho('delete', deployment('7'))).toBe(false);
    expect(writes.isEcho('add', deployment('7'))).toBe(false);
  });

  it('keeps only the latest write of an object', () => {
    const writes = new OwnWrites();
    writes.wrote(deployment('7'));
    writes.wrote(deployment('8'));
    expect(writes.isEcho('update', deployment('7'))).toBe(false);
    expect(writes.isEcho('update', deployment('8'))).toBe(true);
  });
});
