import { BuildPlayer } from './buildPlayer';
import { Row, Violation } from './checks';
import { Component } from './components';
import { Action, Answer, Workload } from './workload';

/** The chaos run's figures, as a Markdown table and as JSON. */
export function figures(input: {
  seed: number;
  quick: boolean;
  wallMs: number;
  chaosMs: number;
  quiesceMs?: number;
  quiesceLimitMs: number;
  components: Component[];
  downtime: Record<string, number>;
  workload: Workload;
  player: BuildPlayer;
  rows: Row[];
  violations: Violation[];
}) {
  const { workload: w, player, rows, violations } = input;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const tally = (values: string[]) => {
    const counts: Record<string, number> = {};
    for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
    return counts;
  };
  // A build cap's 429 is a clean refusal of its own (see Answer).
  const answers = (kind: Action['kind']) => {
    const n = (answer: Answer) => w.count(kind, answer);
    return `${w.count(kind)} (accepted ${n('accepted')}, capped (429) ${n(
      'capped',
    )}, refused ${n('refused')}, no answer ${n('unknown')})`;
  };
  const outcomes = tally([...player.outcomes.values()]);
  const jobs = [...player.jobUids.values()].reduce((n, u) => n + u.size, 0);
  const finalStates = tally(rows.map(r => r.status));
  const failedReasons = tally(
    rows.filter(r => r.status === 'failed').map(r => r.reason || '?'),
  );
  const kinds = tally(violations.map(v => v.kind));
  const lines: Array<[string, string]> = [
    ['seed', String(input.seed)],
    ['wall time', s(input.wallMs)],
    ['chaos phase', s(input.chaosMs)],
    ['deploy requests', answers('deploy')],
    ['cancels', answers('cancel')],
    ['settings changes', answers('settings')],
    ['app deletes', answers('delete')],
    ...input.components.map(
      c =>
        [
          `kills: ${c.name}`,
          `${c.kills} (down ${s(input.downtime[c.name] ?? 0)} in all)`,
        ] as [string, string],
    ),
    [
      'time to quiesce',
      input.quiesceMs === undefined
        ? `not within ${s(input.quiesceLimitMs)}`
        : s(input.quiesceMs),
    ],
    ['deployments in the portal at the end', String(rows.length)],
    ...Object.entries(finalStates).map(
      ([state, n]) => [`  ${state}`, String(n)] as [string, string],
    ),
    [
      '  failed, by reason',
      Object.entries(failedReasons)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ') || '–',
    ],
    [
      'builds played',
      `${player.outcomes.size} (built ${outcomes.built ?? 0}, failed ${
        outcomes.failed ?? 0
      }); build Jobs seen ${jobs}`,
    ],
    ['violations', String(violations.length)],
    ...Object.entries(kinds).map(
      ([k, n]) => [`  ${k}`, String(n)] as [string, string],
    ),
  ];
  const markdown = [
    `# Chaos run${input.quick ? ' (quick)' : ''}, ${new Date().toISOString()}`,
    '',
    '| figure | value |',
    '| --- | --- |',
    ...lines.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...(violations.length
      ? [
          '## Violations',
          '',
          ...violations.map(
            v => `- ${v.kind}${v.app ? ` (${v.app})` : ''}: ${v.detail}`,
          ),
          '',
        ]
      : []),
  ].join('\n');
  return {
    markdown,
    json: {
      seed: input.seed,
      quick: input.quick,
      figures: Object.fromEntries(lines),
      violations,
      history: Object.fromEntries(w.history),
    },
  };
}
