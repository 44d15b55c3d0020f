import type { LogLine } from '@kli8nt/backstage-plugin-kli8nt-common';
import { LogTextBuilder, formatLine, matchesFilter } from './logText';

const line = (n: number, partial: Partial<LogLine> = {}): LogLine => ({
  offset: String(n),
  timestamp: '2024-05-01T10:00:00.000Z',
  source: 'runtime',
  pod: 'p1',
  container: 'app',
  line: `l${n}`,
  ...partial,
});

describe('logText', () => {
  it('filters by source, pod and container', () => {
    const l = line(1, { source: 'build', pod: 'b', container: 'kaniko' });
    expect(matchesFilter(l, {})).toBe(true);
    expect(matchesFilter(l, { source: 'build' })).toBe(true);
    expect(matchesFilter(l, { source: 'runtime' })).toBe(false);
    expect(matchesFilter(l, { pod: 'x' })).toBe(false);
    expect(matchesFilter(l, { container: 'kaniko', pod: 'b' })).toBe(true);
  });

  it('prefixes the origin dimmed when asked, keeping the line colours', () => {
    expect(formatLine(line(1, { line: '\u001b[31mx\u001b[0m\n' }), false)).toBe(
      '\u001b[31mx\u001b[0m',
    );
    expect(formatLine(line(1), true)).toBe('\u001b[90mp1/app\u001b[0m l1');
  });

  it('builds text incrementally and rebuilds on a new filter', () => {
    const b = new LogTextBuilder();
    const lines = [line(0), line(1, { source: 'build' })];
    expect(b.build(lines, {}, false)).toEqual({ text: 'l0\nl1', count: 2 });
    lines.push(line(2));
    expect(b.build(lines, {}, false)).toEqual({ text: 'l0\nl1\nl2', count: 3 });
    expect(b.build(lines, { source: 'runtime' }, false)).toEqual({
      text: 'l0\nl2',
      count: 2,
    });
    lines.splice(0, 1);
    expect(b.build(lines, { source: 'runtime' }, false)).toEqual({
      text: 'l2',
      count: 1,
    });
  });

  it('handles 100k lines quickly', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => line(i));
    const b = new LogTextBuilder();
    const start = Date.now();
    b.build(lines, {}, true);
    for (let i = 0; i < 100; i++) {
      lines.push(line(100_000 + i));
      b.build(lines, {}, true);
    }
    const { count } = b.build(lines, {}, true);
    expect(count).toBe(100_100);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
