/*
 * (j) Pure parts: what the Logs tab page reports, and the figures made of
 * it. Shared by the page (logsTabPage.tsx, in the browser) and the bench.
 */
import { quantile } from './stats';

/** A PerformanceEntry reduced to what crosses into Node. */
export interface PageEntry {
  /** performance.now() of the page when it began. */
  start: number;
  duration: number;
}

/** What the page's viewer shows at `at` (page time). */
export interface ViewerState {
  at: number;
  /** The tab's "N lines" figure. */
  count: number;
  /** The highest line number among the rows the list renders. */
  lastRow: number;
  /** The list is scrolled to its end (within the tab's 40 px). */
  atEnd: boolean;
  /** The tab says it is paused or scrolled up. */
  paused: boolean;
  /** Lines the tab says the server skipped (the stream fell behind). */
  skipped: number;
}

/** `window.kli8ntBench` on the page. */
export interface BenchPage {
  /** PerformanceObserver 'longtask' entries since the page began. */
  longTasks: PageEntry[];
  /** 'long-animation-frame' entries (frames over 50 ms), where supported. */
  frames: PageEntry[];
  /** Renders the Logs tab; returns performance.now() just after. */
  mount(): number;
  state(): ViewerState;
}

export interface TaskStats {
  count: number;
  /** ms; 0 when there were none. */
  max: number;
  /** p99 of the long tasks' durations, ms; 0 when there were none. */
  p99: number;
  /** Time spent in long tasks, ms. */
  total: number;
}

/** Long tasks (or frames) that began within [from, to) of page time. */
export function taskStats(
  entries: PageEntry[],
  from: number,
  to: number,
): TaskStats {
  const durations = entries
    .filter(e => e.start >= from && e.start < to)
    .map(e => e.duration);
  return {
    count: durations.length,
    max: durations.length ? Math.max(...durations) : 0,
    p99: durations.length ? quantile(durations, 0.99) : 0,
    total: durations.reduce((sum, d) => sum + d, 0),
  };
}

/**
 * How many samples show the view following while lines were appended: at
 * the end of the list, not paused, its newest rendered row within `slack`
 * lines of the count shown (rows may lag the count by one render).
 */
export function followingSamples(samples: ViewerState[], slack = 100): number {
  return samples.filter(
    s => s.atEnd && !s.paused && s.count - s.lastRow <= slack,
  ).length;
}

export const describeTasks = (name: string, s: TaskStats) =>
  `${name}: ${s.count} long tasks, max ${Math.round(
    s.max,
  )} ms, p99 ${Math.round(s.p99)} ms, ${Math.round(s.total)} ms in all`;
