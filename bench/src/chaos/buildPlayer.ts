import { createHash } from 'node:crypto';
import { KubeObject, PlainKube } from '../kube';
import { Random } from './random';

/*
 * Plays the build pods' outcome. Build pods are kept off every node (a
 * node selector no node has), so nothing runs them: this does what the
 * kubelet would once the build ended — writes the pod's final status, as
 * the build controller's integration suite does on kwok: every init step
 * exited 0 (detect with its plan as termination message) and the push
 * step exited 0 with the image digest as its termination message, or 1
 * for a failed push. Each build takes a random 2–20 s, so cancels and
 * overtaking builds happen. It also records every Job uid it sees per
 * deployment (a second uid for one deployment is a duplicate Job).
 */

const DEPLOYMENT_LABEL = 'kli8nt.io/deployment';

/** The digest the player pushes for a deployment: derived, so checkable. */
export function digestOf(deploymentId: string): string {
  return `sha256:${createHash('sha256').update(deploymentId).digest('hex')}`;
}

export type BuildOutcome = 'built' | 'failed';

export class BuildPlayer {
  /** Deployment id → the outcome written to its pod. */
  readonly outcomes = new Map<string, BuildOutcome>();
  /** Deployment id → uids of the build Jobs seen for it. */
  readonly jobUids = new Map<string, Set<string>>();
  /** Pods waiting for their outcome: pod uid → when it is due. */
  private readonly due = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  errors = 0;

  constructor(
    private readonly kube: PlainKube,
    private readonly namespace: string,
    private readonly random: Random,
    private readonly failShare = 0.1,
  ) {}

  start() {
    const loop = () => {
      this.running = this.tick()
        .catch(() => {
          // The apiserver is down (the run kills it): the next tick retries.
          this.errors++;
        })
        .finally(() => {
          this.timer = setTimeout(loop, 1000);
        });
    };
    loop();
  }

  async stop() {
    clearTimeout(this.timer);
    await this.running;
    clearTimeout(this.timer);
  }

  /** Build pods not finished yet (for the quiesce wait). */
  get pending(): number {
    return this.due.size;
  }

  private async tick() {
    const ns = this.namespace;
    for (const job of await this.kube.list(
      `/apis/batch/v1/namespaces/${ns}/jobs`,
    )) {
      const id = job.metadata.labels?.[DEPLOYMENT_LABEL];
      if (!id) continue;
      const uids = this.jobUids.get(id) ?? new Set<string>();
      uids.add(job.metadata.uid);
      this.jobUids.set(id, uids);
    }
    const pods = await this.kube.list(
      `/api/v1/namespaces/${ns}/pods?labelSelector=kli8nt.io/role%3Dbuild`,
    );
    const seen = new Set<string>();
    const now = Date.now();
    for (const pod of pods) {
      const uid = pod.metadata.uid;
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed' || !pod.spec) continue;
      seen.add(uid);
      const dueAt = this.due.get(uid);
      if (dueAt === undefined) {
        this.due.set(uid, now + this.random.between(2_000, 20_000));
      } else if (dueAt <= now) {
        await this.finish(pod);
        this.due.delete(uid);
      }
    }
    // Pods deleted meanwhile (a cancel deletes the Job and its pod).
    for (const uid of this.due.keys()) if (!seen.has(uid)) this.due.delete(uid);
  }

  private async finish(pod: KubeObject) {
    const id = pod.metadata.labels?.[DEPLOYMENT_LABEL] ?? '';
    const outcome: BuildOutcome =
      this.outcomes.get(id) ??
      (this.random.chance(this.failShare) ? 'failed' : 'built');
    const at = new Date().toISOString();
    const terminated = (exitCode: number, message?: string) => ({
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        ...(message ? { message } : {}),
        startedAt: at,
        finishedAt: at,
      },
    });
    const status = (c: { name: string; image: string }, state: object) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state,
    });
    const plan = JSON.stringify({ stack: 'node', port: 8080 });
    const body = {
      ...pod,
      status: {
        ...pod.status,
        phase: outcome === 'built' ? 'Succeeded' : 'Failed',
        initContainerStatuses: (pod.spec.initContainers ?? []).map(
          (c: { name: string; image: string }) =>
            status(c, terminated(0, c.name === 'detect' ? plan : undefined)),
        ),
        containerStatuses: (pod.spec.containers ?? []).map(
          (c: { name: string; image: string }) =>
            outcome === 'built'
              ? status(c, terminated(0, digestOf(id)))
              : status(c, terminated(1, 'chaos: the push was refused')),
        ),
      },
    };
    await this.kube.replace(
      `/api/v1/namespaces/${this.namespace}/pods/${pod.metadata.name}/status`,
      body,
    );
    this.outcomes.set(id, outcome);
  }
}
