import {
  decodeCursor,
  encodeCursor,
  nextOffset,
  offsetLess,
  toBusRecord,
  toLogRecord,
} from './records';

describe('log record mapping', () => {
  const line = {
    deploymentId: 'd1',
    source: 'build' as const,
    pod: 'web-abc',
    container: 'kaniko',
    timestamp: '2026-01-02T03:04:05.678Z',
    line: 'Step 1/3',
  };

  it('maps a line to a keyed record with headers and back', () => {
    const record = toBusRecord(line);
    expect(record).toEqual({
      key: 'web-abc/kaniko',
      value: 'Step 1/3',
      headers: {
        deploymentId: 'd1',
        source: 'build',
        pod: 'web-abc',
        container: 'kaniko',
        timestamp: '2026-01-02T03:04:05.678Z',
      },
      timestamp: Date.parse('2026-01-02T03:04:05.678Z'),
    });
    expect(
      toLogRecord('web', { ...record, partition: 0, offset: '7' }, '0:8'),
    ).toEqual({
      ...line,
      app: 'web',
      partition: 0,
      offset: '7',
      cursor: '0:8',
    });
  });

  it('falls back to the key and timestamp without headers', () => {
    expect(
      toLogRecord(
        'web',
        {
          key: 'p/c',
          value: 'x',
          headers: {},
          timestamp: 0,
          partition: 1,
          offset: '2',
        },
        '1:3',
      ),
    ).toMatchObject({
      pod: 'p',
      container: 'c',
      source: 'runtime',
      timestamp: '1970-01-01T00:00:00.000Z',
    });
  });

  it('encodes and decodes cursors', () => {
    const next = new Map([
      [1, '5'],
      [0, '12345678901234567890'.slice(0, 19)],
    ]);
    const cursor = encodeCursor(next);
    expect(cursor).toBe('0:1234567890123456789,1:5');
    expect(decodeCursor(cursor)).toEqual(next);
    expect(decodeCursor('')).toEqual(new Map());
    expect(() => decodeCursor('0:x')).toThrow(/Invalid log cursor/);
  });

  it('compares 64-bit offsets', () => {
    expect(offsetLess('9', '10')).toBe(true);
    expect(offsetLess('10', '10')).toBe(false);
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});
