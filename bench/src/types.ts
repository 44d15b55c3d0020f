/** One benchmark's outcome, as written to results/<date>.json. */
export interface BenchResult {
  id: string;
  name: string;
  workload: string;
  /** What the figure is compared with, measured in the same run. */
  baseline: string;
  value: number;
  baselineValue: number;
  unit: string;
  /** value / baselineValue. */
  ratio: number;
  target: string;
  pass: boolean;
  /** What limits it, what was tried (for a miss), or other figures. */
  notes: string[];
  /** Latency percentiles 0..100 (ms) per series, for the chart. */
  distributions?: Record<string, number[]>;
}

export interface BenchContext {
  quick: boolean;
  env: Record<string, string>;
  /** Where CPU profiles go when --profile is given. */
  profileDir?: string;
  log(message: string): void;
}
