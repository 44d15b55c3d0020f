import {
  ResumeFilter,
  ResumePoint,
  advanceResumePoint,
  contentHash,
} from './resume';
import { sinceTimeOf } from './timestamps';

const ts = (second: number, nanos = 0) =>
  `2024-05-01T10:00:${String(second).padStart(2, '0')}.${String(nanos).padStart(
    9,
    '0',
  )}Z`;
const e = (timestamp: string, text: string) => ({ timestamp, text });

/** What the kubelet serves for `sinceTime`: every entry at or after that second. */
function servedSince(
  log: Array<{ timestamp: string; text: string }>,
  point?: ResumePoint,
) {
  if (!point) return log;
  const since = sinceTimeOf(point.timestamp).replace('Z', '.000000000Z');
  return log.filter(entry => entry.timestamp >= since);
}

function resume(
  log: Array<{ timestamp: string; text: string }>,
  point?: ResumePoint,
) {
  const filter = new ResumeFilter(point);
  return servedSince(log, point).filter(entry => filter.keep(entry));
}

describe('advanceResumePoint', () => {
  it('is undefined until something is shipped', () => {
    expect(advanceResumePoint(undefined, [])).toBeUndefined();
  });

  it('keeps the last timestamp and counts contents shipped at it', () => {
    const point = advanceResumePoint(undefined, [
      e(ts(1), 'a'),
      e(ts(2), 'b'),
      e(ts(2), 'b'),
      e(ts(2), 'c'),
    ])!;
    expect(point.timestamp).toBe(ts(2));
    expect(point.shippedAt).toEqual(
      new Map([
        [contentHash('b'), 2],
        [contentHash('c'), 1],
      ]),
    );
  });

  it('adds to the counts when a later batch continues the same timestamp', () => {
    const first = advanceResumePoint(undefined, [e(ts(2), 'b')]);
    const second = advanceResumePoint(first, [e(ts(2), 'b'), e(ts(2), 'd')])!;
    expect(second.shippedAt.get(contentHash('b'))).toBe(2);
    expect(first!.shippedAt.get(contentHash('b'))).toBe(1); // not mutated
  });

  it('ignores entries older than the point (out-of-order streams)', () => {
    const point = advanceResumePoint(undefined, [e(ts(5), 'a')]);
    expect(advanceResumePoint(point, [e(ts(4), 'late')])).toBe(point);
  });
});

describe('ResumeFilter', () => {
  it('keeps everything without a point', () => {
    const filter = new ResumeFilter(undefined);
    expect(filter.keep(e(ts(0), 'a'))).toBe(true);
  });

  it('drops entries older than the point and keeps newer ones', () => {
    const point = advanceResumePoint(undefined, [e(ts(3, 500), 'x')]);
    const filter = new ResumeFilter(point);
    expect(filter.keep(e(ts(3, 100), 'old'))).toBe(false);
    expect(filter.keep(e(ts(3, 500), 'x'))).toBe(false);
    expect(filter.keep(e(ts(3, 900), 'new'))).toBe(true);
  });

  it('keeps an entry at the point whose content was not shipped', () => {
    const point = advanceResumePoint(undefined, [e(ts(3), 'x')]);
    const filter = new ResumeFilter(point);
    expect(filter.keep(e(ts(3), 'y'))).toBe(true);
  });

  it('drops as many identical entries at the point as were shipped, no more', () => {
    const point = advanceResumePoint(undefined, [
      e(ts(3), 'dup'),
      e(ts(3), 'dup'),
    ]);
    const filter = new ResumeFilter(point);
    expect([1, 2, 3].map(() => filter.keep(e(ts(3), 'dup')))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('keeps everything once past the point, even identical or older-looking entries', () => {
    const point = advanceResumePoint(undefined, [e(ts(3), 'a')]);
    const filter = new ResumeFilter(point);
    expect(filter.keep(e(ts(4), 'b'))).toBe(true);
    expect(filter.keep(e(ts(3), 'a'))).toBe(true);
  });

  it('for every cut of a log with many lines per second and repeats, resume ships exactly the rest', () => {
    // Coarse timestamps (several lines share one) and repeated contents are
    // the hard case: whole seconds come again after a resume.
    const log = [
      e(ts(1, 0), 'start'),
      e(ts(1, 0), 'same'),
      e(ts(1, 0), 'same'),
      e(ts(1, 5), 'x'),
      e(ts(2, 0), 'same'),
      e(ts(2, 0), 'other'),
      e(ts(2, 0), 'same'),
      e(ts(2, 7), 'same'),
      e(ts(3, 0), 'end'),
      e(ts(3, 0), 'end'),
    ];
    for (let shipped = 0; shipped <= log.length; shipped++) {
      const point = advanceResumePoint(undefined, log.slice(0, shipped));
      expect(resume(log, point)).toEqual(log.slice(shipped));
    }
  });

  it('resumes correctly after several interruptions, with batches of any size', () => {
    const log = Array.from({ length: 60 }, (_, i) =>
      e(ts(Math.floor(i / 7), Math.floor((i % 7) / 3) * 1000), `line ${i % 4}`),
    );
    for (const batch of [1, 2, 5, 13]) {
      let point: ResumePoint | undefined;
      const shipped: typeof log = [];
      for (
        let attempt = 0;
        attempt < 100 && shipped.length < log.length;
        attempt++
      ) {
        const next = resume(log, point).slice(0, batch);
        shipped.push(...next);
        point = advanceResumePoint(point, next);
      }
      expect(shipped).toEqual(log);
    }
  });
});
