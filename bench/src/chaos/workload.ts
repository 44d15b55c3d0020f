import { Portal } from './portal';
import { Random } from './random';

/*
 * The users of the chaos run: deploys, cancels, settings changes and
 * deletes over the portal's REST API, at random, one request at a time per
 * app (so the order of an app's answers is the order the portal accepted
 * them in) and a few apps at once. A request that got no answer (the
 * backend was down or died mid-request) is recorded as `unknown`: whether
 * it was accepted is read from the portal's database at the end.
 */

/**
 * How the portal answered a request. `capped` is the 429 of the build caps
 * (kli8nt.limits.builds: an app with 3 builds queued or running): a clean
 * refusal that recorded nothing, met by design when a user deploys faster
 * than builds finish, so it is counted apart from other refusals (4xx) and
 * from failures. `unknown`: no answer or a 5xx (whether it was accepted is
 * read from the portal's database at the end).
 */
export type Answer = 'accepted' | 'capped' | 'refused' | 'unknown';

export type Action =
  | { kind: 'deploy'; at: number; answer: Answer; id?: string; status: number }
  | { kind: 'cancel'; at: number; answer: Answer; id: string; status: number }
  | { kind: 'delete'; at: number; answer: Answer; status: number }
  | {
      kind: 'settings';
      at: number;
      answer: Answer;
      value: string;
      status: number;
    };

/** The answer of an HTTP status (0: no answer), `accepted` being the statuses of success. */
export function answerOf(status: number, accepted: number[]): Answer {
  if (status === 0 || status >= 500) return 'unknown';
  if (accepted.includes(status)) return 'accepted';
  return status === 429 ? 'capped' : 'refused';
}

/** The request was answered and changed nothing. */
export function wasRefused(answer: Answer): boolean {
  return answer === 'refused' || answer === 'capped';
}

export class Workload {
  readonly history = new Map<string, Action[]>();
  private readonly busy = new Set<string>();
  private settingsCounter = 0;

  constructor(
    private readonly portal: Portal,
    private readonly apps: string[],
    private readonly random: Random,
  ) {
    for (const app of apps) this.history.set(app, []);
  }

  count(kind: Action['kind'], answer?: Answer): number {
    let n = 0;
    for (const actions of this.history.values()) {
      n += actions.filter(
        a => a.kind === kind && (!answer || a.answer === answer),
      ).length;
    }
    return n;
  }

  /** Runs `workers` users until `done()` says stop. */
  async run(done: () => boolean, workers = 3) {
    const user = async () => {
      while (!done()) {
        const free = this.apps.filter(a => !this.busy.has(a));
        const app = this.random.pick(free);
        this.busy.add(app);
        try {
          await this.act(app);
        } finally {
          this.busy.delete(app);
        }
        // A user whose request got no answer waits before trying again.
        const last = this.history.get(app)!.slice(-1)[0];
        const pause = last?.answer === 'unknown' ? 3000 : 0;
        await new Promise(r =>
          setTimeout(r, pause + this.random.between(200, 1200)),
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, user));
  }

  /** Accepted deploys of the app since its last accepted delete. */
  private liveDeploys(app: string): string[] {
    const actions = this.history.get(app)!;
    const ids: string[] = [];
    for (const a of actions) {
      if (a.kind === 'delete' && a.answer === 'accepted') ids.length = 0;
      if (a.kind === 'deploy' && a.id) ids.push(a.id);
    }
    return ids;
  }

  private async act(app: string) {
    const log = this.history.get(app)!;
    const at = Date.now();
    const deploys = this.liveDeploys(app);
    const roll = deploys.length === 0 ? 0 : this.random.next();
    if (roll < 0.68) {
      const res = await this.portal.deploy(app);
      log.push({
        kind: 'deploy',
        at,
        status: res.status,
        answer: answerOf(res.status, [202]),
        id: res.status === 202 ? res.body.id : undefined,
      });
    } else if (roll < 0.82) {
      // Mostly the newest request (often still building), sometimes an older one.
      const id = this.random.chance(0.7)
        ? deploys[deploys.length - 1]
        : this.random.pick(deploys);
      const res = await this.portal.cancel(id);
      log.push({
        kind: 'cancel',
        at,
        id,
        status: res.status,
        answer: answerOf(res.status, [202]),
      });
    } else if (roll < 0.94) {
      const value = `v${++this.settingsCounter}`;
      const res = await this.portal.saveSettings(app, value);
      log.push({
        kind: 'settings',
        at,
        value,
        status: res.status,
        answer: answerOf(res.status, [200]),
      });
    } else {
      const res = await this.portal.deleteApp(app);
      log.push({
        kind: 'delete',
        at,
        status: res.status,
        answer: answerOf(res.status, [204]),
      });
    }
  }
}
