import { followingSamples, taskStats, ViewerState } from './logsTabStats';

describe('taskStats', () => {
  const entries = [
    { start: 5, duration: 60 },
    { start: 10, duration: 51 },
    { start: 20, duration: 120 },
    { start: 30, duration: 70 },
  ];

  it('counts only the entries that began within the phase', () => {
    expect(taskStats(entries, 10, 30)).toEqual({
      count: 2,
      max: 120,
      p99: 120,
      total: 171,
    });
  });

  it('says zero for a phase without long tasks', () => {
    expect(taskStats(entries, 40, 50)).toEqual({
      count: 0,
      max: 0,
      p99: 0,
      total: 0,
    });
  });
});

describe('followingSamples', () => {
  const at = (s: Partial<ViewerState>): ViewerState => ({
    at: 0,
    count: 1000,
    lastRow: 1000,
    atEnd: true,
    paused: false,
    skipped: 0,
    ...s,
  });

  it('counts the samples at the end, not paused, showing the newest rows', () => {
    expect(
      followingSamples([
        at({}),
        at({ lastRow: 950 }),
        at({ atEnd: false }),
        at({ paused: true }),
        at({ lastRow: 400 }),
      ]),
    ).toBe(2);
  });
});
