import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TERMINAL_DEPLOYMENT_STATUSES } from '@kli8nt/backstage-plugin-kli8nt-common';
import { BuildOutcome, BuildPlayer, digestOf } from './buildPlayer';
import { PlainKube } from '../kube';
import { Action, wasRefused, Workload } from './workload';

/*
 * What must hold once the run has quiesced, read from the portal's
 * database, the cluster and what the users and the build player did.
 */

const exec = promisify(execFile);
const TERMINAL: readonly string[] = TERMINAL_DEPLOYMENT_STATUSES;
const IMAGE_BUILDS = ['manual', 'scaffolder'];

export interface Row {
  id: string;
  app: string;
  trigger: string;
  status: string;
  reason: string;
  sequence: number;
  digest: string;
}

export interface Violation {
  kind: string;
  app?: string;
  detail: string;
}

export async function query(pgUrl: string, sql: string): Promise<string[][]> {
  const { stdout } = await exec(
    'psql',
    [`${pgUrl}/chaos_kli8nt`, '-AtF', '\t', '-c', sql],
    { maxBuffer: 64 << 20 },
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(l => l.split('\t'));
}

export async function deploymentRows(pgUrl: string): Promise<Row[]> {
  const rows = await query(
    pgUrl,
    `select id, app_name, trigger, status, coalesce(reason, ''), coalesce(sequence, 0), coalesce(image_digest, '') from deployments`,
  );
  return rows.map(([id, app, trigger, status, reason, sequence, digest]) => ({
    id,
    app,
    trigger,
    status,
    reason,
    sequence: Number(sequence),
    digest,
  }));
}

/** Deployments not in a final state yet (the quiesce wait polls this). */
export function unfinished(rows: Row[]): Row[] {
  return rows.filter(r => !TERMINAL.includes(r.status));
}

export interface Serving {
  digest?: string;
  setting?: string;
}

async function servingImages(
  kube: PlainKube,
  namespace: string,
): Promise<Map<string, Serving>> {
  const serving = new Map<string, Serving>();
  for (const d of await kube.list(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
  )) {
    const app = d.metadata.labels?.['kli8nt.io/app'] ?? d.metadata.name;
    const container = d.spec?.template?.spec?.containers?.[0];
    const env: Array<{ name: string; value?: string }> = container?.env ?? [];
    serving.set(app, {
      digest: /@(sha256:[0-9a-f]{64})$/.exec(container?.image ?? '')?.[1],
      setting: env.find(e => e.name === 'CHAOS_SETTING')?.value,
    });
  }
  return serving;
}

/** What the run ends with, as read from the database, cluster and users. */
export interface EndState {
  rows: Row[];
  /** App → what its Deployment serves. */
  serving: Map<string, Serving>;
  /** App → what its users did, in order (`Workload.history`). */
  history: Map<string, Action[]>;
  /** Deployment id → the outcome the player wrote (`BuildPlayer.outcomes`). */
  outcomes: Map<string, BuildOutcome>;
  /** Deployment id → uids of its build Jobs (`BuildPlayer.jobUids`). */
  jobUids: Map<string, Set<string>>;
  /** Deployment id → the statuses of its final events. */
  finalEvents: Map<string, string[]>;
}

/**
 * A final state is recorded once. The one second final event there is:
 * the ledger supersedes a live deployment once a later rollout is live.
 */
function doubledFinal(statuses: string[]): boolean {
  const sorted = [...statuses].sort();
  return sorted.length > 1 && sorted.join() !== 'live,superseded';
}

export function violationsOf(state: EndState): Violation[] {
  const { rows, serving, history, outcomes } = state;
  const byId = new Map(rows.map(r => [r.id, r]));
  const violations: Violation[] = [];
  const add = (kind: string, detail: string, app?: string) =>
    violations.push({ kind, app, detail });

  const open = unfinished(rows);
  for (const r of open) {
    add('not final', `${r.id} (${r.trigger}) is ${r.status}`, r.app);
  }
  for (const r of rows) {
    if (r.status === 'failed' && r.reason === 'Stuck') {
      // The sweeper ended it: a message or a report was lost on the way.
      add('stuck', `${r.id} (${r.trigger}) was ended by the sweeper`, r.app);
    }
  }

  for (const [app, actions] of history) {
    actions.forEach((a, i) => {
      const deletedLater = actions
        .slice(i + 1)
        .some(b => b.kind === 'delete' && !wasRefused(b.answer));
      if (a.kind === 'deploy' && a.id && !byId.has(a.id) && !deletedLater) {
        add('lost', `deploy ${a.id} answered 202 and is gone`, app);
      }
      if (a.kind === 'cancel' && a.answer === 'accepted') {
        const row = byId.get(a.id);
        if (row && row.status !== 'cancelled') {
          add(
            'cancel ignored',
            `${a.id} answered 202 to cancel, ended ${row.status}`,
            app,
          );
        }
      }
    });

    // An app still at work is reported once, as not final above: what it
    // serves and shows is still changing (the run did not quiesce).
    if (open.some(r => r.app === app)) continue;

    // The latest request that chose an image and survived: built by the
    // player, neither cancelled nor failed. Rows left are the ones after the
    // app's last delete (a delete removes the app's history).
    const appRows = rows.filter(r => r.app === app);
    const expected = appRows
      .filter(
        r =>
          IMAGE_BUILDS.includes(r.trigger) &&
          outcomes.get(r.id) === 'built' &&
          r.status !== 'cancelled' &&
          r.status !== 'failed',
      )
      .sort((a, b) => b.sequence - a.sequence)[0];
    const served = serving.get(app);
    const want = expected ? digestOf(expected.id) : undefined;
    // A rollout that failed stays in the Deployment's template (the deploy
    // controller does not roll back) while the previous pods go on
    // serving: the portal shows that failure, and the live check below
    // still holds it to the previous image.
    const failedRollout = appRows.some(
      r => r.status === 'failed' && digestOf(r.id) === served?.digest,
    );
    if (want !== served?.digest && !failedRollout) {
      add(
        'serving image',
        `serves ${served?.digest?.slice(7, 19) ?? 'nothing'}, expected ${
          want ? `${want.slice(7, 19)} of ${expected!.id}` : 'nothing'
        }`,
        app,
      );
    }
    const live = appRows.filter(r => r.status === 'live');
    if (want && (live.length !== 1 || live[0].digest !== want)) {
      add(
        'portal live',
        `live: ${
          live.map(r => `${r.id} ${r.digest.slice(7, 19)}`).join(', ') || 'none'
        }`,
        app,
      );
    }
    if (!want && live.length > 0) {
      add(
        'portal live',
        `live ${live.map(r => r.id).join(', ')} but nothing should serve`,
        app,
      );
    }

    // Settings changes stick: the last saved value (after the last delete)
    // is in the serving Deployment, unless a later save's answer was lost.
    // Checked only where the right image serves: an app that serves
    // another (or nothing) is reported above, and its env tells nothing.
    if (!want || !served || served.digest !== want) continue;
    const lastDelete = actions
      .map(a => a.kind === 'delete' && !wasRefused(a.answer))
      .lastIndexOf(true);
    const saves = actions
      .slice(lastDelete + 1)
      .filter(a => a.kind === 'settings');
    const lastSave = saves.filter(a => a.answer === 'accepted').pop();
    const unknownAfter =
      lastSave &&
      saves
        .slice(saves.indexOf(lastSave) + 1)
        .some(a => a.answer === 'unknown');
    if (
      lastSave?.kind === 'settings' &&
      !unknownAfter &&
      served.setting !== lastSave.value
    ) {
      add(
        'settings reverted',
        `serves CHAOS_SETTING=${served.setting}, last saved ${lastSave.value}`,
        app,
      );
    }
  }

  for (const [id, uids] of state.jobUids) {
    if (uids.size > 1)
      add('duplicate job', `${uids.size} Jobs for ${id}`, byId.get(id)?.app);
  }
  for (const [id, statuses] of state.finalEvents) {
    if (doubledFinal(statuses)) {
      add(
        'duplicate final report',
        `${statuses.length} final events for ${id}: ${statuses.join(', ')}`,
        byId.get(id)?.app,
      );
    }
  }
  return violations;
}

export async function check(options: {
  pgUrl: string;
  kube: PlainKube;
  appsNamespace: string;
  workload: Workload;
  player: BuildPlayer;
}): Promise<{ violations: Violation[]; rows: Row[] }> {
  const { pgUrl, workload, player } = options;
  const rows = await deploymentRows(pgUrl);
  const finalEvents = new Map<string, string[]>();
  for (const [id, status] of await query(
    pgUrl,
    `select deployment_id, status from deployment_events where status in (${TERMINAL.map(
      s => `'${s}'`,
    ).join(',')})`,
  )) {
    finalEvents.set(id, [...(finalEvents.get(id) ?? []), status]);
  }
  const violations = violationsOf({
    rows,
    serving: await servingImages(options.kube, options.appsNamespace),
    history: workload.history,
    outcomes: player.outcomes,
    jobUids: player.jobUids,
    finalEvents,
  });
  return { violations, rows };
}
