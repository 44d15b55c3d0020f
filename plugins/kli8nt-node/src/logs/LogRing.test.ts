import { ConsumedLogBusRecord } from './client';
import { LogRing, recordBytes } from './LogRing';

function record(offset: number, value: string): ConsumedLogBusRecord {
  return {
    key: 'pod/c',
    value,
    headers: { source: 'runtime' },
    timestamp: 0,
    partition: 0,
    offset: String(offset),
  };
}

const offsets = (ring: LogRing) => ring.records().map(r => Number(r.offset));

describe('recordBytes', () => {
  it('counts the UTF-8 bytes of key, value and headers', () => {
    // 'pod/c' 5 + 'é…' 5 + 'source' 6 + 'runtime' 7
    expect(recordBytes(record(0, 'é…'))).toBe(23);
  });
});

describe('LogRing', () => {
  const overhead = recordBytes(record(0, ''));

  it('holds at most its byte budget after every append, keeping the newest records', () => {
    const line = 'x'.repeat(16 * 1024);
    const size = overhead + line.length;
    const ring = new LogRing(10_000, 1024 ** 2);
    for (let i = 0; i < 1_000; i++) {
      ring.push(record(i, line));
      expect(ring.bytes).toBeLessThanOrEqual(1024 ** 2);
    }
    const fit = Math.floor(1024 ** 2 / size);
    expect(ring.length).toBe(fit);
    expect(ring.bytes).toBe(fit * size);
    expect(offsets(ring)).toEqual(
      Array.from({ length: fit }, (_, i) => 1_000 - fit + i),
    );
  });

  it('holds at most its record count after every append', () => {
    const ring = new LogRing(5, 1024 ** 2);
    for (let i = 0; i < 23; i++) {
      ring.push(record(i, 'line'));
      expect(ring.length).toBeLessThanOrEqual(5);
    }
    expect(offsets(ring)).toEqual([18, 19, 20, 21, 22]);
    expect(ring.bytes).toBe(5 * (overhead + 4));
  });

  it('drops everything for a record larger than the budget, then fills again', () => {
    const ring = new LogRing(100, overhead * 4 + 40);
    for (let i = 0; i < 3; i++) ring.push(record(i, 'small'));
    ring.push(record(3, 'y'.repeat(1_000)));
    // Nothing older than the big record may stay: a ring with a gap would
    // replay around the record it lost.
    expect(ring.length).toBe(0);
    expect(ring.bytes).toBe(0);
    ring.push(record(4, 'small'));
    ring.push(record(5, 'small'));
    expect(offsets(ring)).toEqual([4, 5]);
  });

  it('mixes sizes: large lines push out as many small ones as they weigh', () => {
    const ring = new LogRing(1_000, 10 * (overhead + 10));
    for (let i = 0; i < 10; i++) ring.push(record(i, '0123456789'));
    ring.push(record(10, 'z'.repeat(3 * (overhead + 10) - overhead)));
    expect(offsets(ring)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ring.bytes).toBe(10 * (overhead + 10));
  });

  it('returns a copy that later appends leave alone', () => {
    const ring = new LogRing(2, 1024);
    ring.push(record(0, 'a'));
    ring.push(record(1, 'b'));
    const before = ring.records();
    ring.push(record(2, 'c'));
    expect(before.map(r => r.offset)).toEqual(['0', '1']);
    expect(offsets(ring)).toEqual([1, 2]);
  });
});
