import { digestOf } from './buildPlayer';
import { EndState, Row, violationsOf } from './checks';
import { Action } from './workload';

/*
 * The chaos run's end-state checks on hand-made end states, among them the
 * shapes of the 2026-12-01T2010 run (bench/results/chaos).
 */

const row = (
  id: string,
  status: string,
  sequence: number,
  reason = '',
): Row => ({
  id,
  app: 'chaos-00',
  trigger: 'manual',
  status,
  reason,
  sequence,
  digest: status === 'live' ? digestOf(id) : '',
});

function endState(parts: Partial<EndState>): EndState {
  return {
    rows: [],
    serving: new Map(),
    history: new Map([['chaos-00', []]]),
    outcomes: new Map(),
    jobUids: new Map(),
    finalEvents: new Map(),
    ...parts,
  };
}

const deploy = (id: string): Action => ({
  kind: 'deploy',
  at: 0,
  answer: 'accepted',
  id,
  status: 202,
});
const save = (value: string): Action => ({
  kind: 'settings',
  at: 0,
  answer: 'accepted',
  value,
  status: 200,
});

const kinds = (state: EndState) => violationsOf(state).map(v => v.kind);

describe('violationsOf', () => {
  it('reports an app still at work once, as not final', () => {
    // chaos-00 of the 2010 run: its latest build was played built, the
    // portal still had it queued when the quiesce wait ran out; it was
    // also counted as serving nothing, no live deployment and settings
    // reverted, four violations of one unfinished deployment.
    const state = endState({
      rows: [row('old', 'superseded', 1), row('new', 'queued', 2)],
      history: new Map([
        ['chaos-00', [deploy('old'), save('v131'), deploy('new')]],
      ]),
      outcomes: new Map([
        ['old', 'built'],
        ['new', 'built'],
      ]),
    });
    expect(kinds(state)).toEqual(['not final']);
  });

  it('checks a settled app: image, live deployment and settings', () => {
    const settled = (setting: string, served = 'b') =>
      endState({
        rows: [row('a', 'superseded', 1), row('b', 'live', 2)],
        serving: new Map([['chaos-00', { digest: digestOf(served), setting }]]),
        history: new Map([
          ['chaos-00', [deploy('a'), deploy('b'), save('v2')]],
        ]),
        outcomes: new Map([
          ['a', 'built'],
          ['b', 'built'],
        ]),
      });
    expect(kinds(settled('v2'))).toEqual([]);
    expect(kinds(settled('v1'))).toEqual(['settings reverted']);
    // The wrong image is one violation; its env is not a second one.
    expect(kinds(settled('v1', 'a'))).toEqual(['serving image']);
  });

  it('takes a failed rollout left in the template for the previous pods', () => {
    // b's rollout failed (ProgressDeadlineExceeded): its template stays,
    // a's pods serve and the portal keeps a live.
    const state = (aStatus: string) =>
      endState({
        rows: [
          row('a', aStatus, 1),
          row('b', 'failed', 2, 'ProgressDeadlineExceeded'),
        ],
        serving: new Map([
          ['chaos-00', { digest: digestOf('b'), setting: 'v1' }],
        ]),
        history: new Map([['chaos-00', [deploy('a'), deploy('b')]]]),
        outcomes: new Map([
          ['a', 'built'],
          ['b', 'built'],
        ]),
      });
    expect(kinds(state('live'))).toEqual([]);
    expect(kinds(state('superseded'))).toEqual(['portal live']);
  });

  it('counts final events per deployment: one, or live then superseded', () => {
    const state = endState({
      finalEvents: new Map([
        ['once', ['cancelled']],
        ['replaced', ['live', 'superseded']],
        ['twice', ['cancelled', 'cancelled']],
        ['superseded then cancelled', ['superseded', 'cancelled']],
        ['cancelled then failed', ['cancelled', 'failed']],
      ]),
    });
    expect(
      violationsOf(state)
        .filter(v => v.kind === 'duplicate final report')
        .map(v => v.detail),
    ).toEqual([
      '2 final events for twice: cancelled, cancelled',
      '2 final events for superseded then cancelled: superseded, cancelled',
      '2 final events for cancelled then failed: cancelled, failed',
    ]);
  });

  it('reports work the sweeper had to end', () => {
    const state = endState({
      rows: [
        row('lost', 'failed', 1, 'Stuck'),
        row('bad', 'failed', 2, 'PushFailed'),
      ],
    });
    expect(kinds(state)).toEqual(['stuck']);
  });
});
