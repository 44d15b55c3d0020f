import { ordinalFromHostname, ownsPod, shardOf } from './shard';

describe('shard assignment', () => {
  const uids = Array.from(
    { length: 2000 },
    (_, i) =>
      `0b1f${i.toString(16).padStart(4, '0')}-9c1e-4a7b-8f00-${String(
        i,
      ).padStart(12, '0')}`,
  );

  it('is a stable hash (same value in every process and version)', () => {
    // FNV-1a of this UID is 0x71f3689b.
    const uid = '2f6c3a52-2b8e-4a7f-9d61-1f1c1d9e2b10';
    expect([3, 5, 7].map(count => shardOf(uid, count))).toEqual([
      0x71f3689b % 3,
      0x71f3689b % 5,
      0x71f3689b % 7,
    ]);
  });

  it.each([1, 2, 3, 5])(
    'gives every pod to exactly one of %i replicas',
    count => {
      for (const uid of uids) {
        const owners = Array.from({ length: count }, (_, index) =>
          ownsPod(uid, { index, count }),
        ).filter(Boolean);
        expect(owners).toHaveLength(1);
      }
    },
  );

  it('spreads pods roughly evenly', () => {
    const counts = [0, 0, 0];
    for (const uid of uids) counts[shardOf(uid, 3)]++;
    for (const c of counts) expect(c).toBeGreaterThan(uids.length / 3 - 150);
  });

  it('a single replica owns everything', () => {
    expect(uids.every(uid => ownsPod(uid, { index: 0, count: 1 }))).toBe(true);
  });

  it.each([
    ['kli8nt-logs-0', 0],
    ['kli8nt-logs-12', 12],
    ['kli8nt-logs', undefined],
    ['logs-7f9c8d-abcde', undefined],
    [undefined, undefined],
  ])('replica index of hostname %s is %s', (hostname, expected) => {
    expect(ordinalFromHostname(hostname)).toBe(expected);
  });
});
