/*
 * (h) Where a click's time goes, from what the portal records: the
 * deployment's acceptance (`createdAt`) and its history events, each with
 * the time the controller observed it (`occurredAt`) and the time the
 * backend recorded it (`receivedAt`). Pure, so the split is unit-tested.
 */
import type { DeploymentStatus } from '@kli8nt/backstage-plugin-kli8nt-common';
import { quantile } from './stats';

/** What `GET /deployments/:id` returns that the split reads. */
export interface RecordedDeployment {
  id: string;
  status: DeploymentStatus;
  createdAt: string;
  events: Array<{
    status: DeploymentStatus;
    occurredAt: string;
    receivedAt: string;
  }>;
}

/** One click → live, in ms. */
export interface ClickSplit {
  /** Accepted → the build Job started (outbox, RabbitMQ, build controller, Job). */
  queue: number;
  /** The build Job's run: pod start, clone, detect, BuildKit, push. */
  build: number;
  /** Built → the deploy controller applied the rollout (report, decision, deploy queue). */
  handoff: number;
  /** Applied → the deploy controller saw it ready: the app's start. */
  rollout: number;
  /** Live observed → recorded by the backend. */
  report: number;
  /** Accepted → live recorded: what the user waits for. */
  total: number;
  /** total − build − rollout: the platform's own time. */
  overhead: number;
}

/**
 * Splits a live deployment's click → live. The build's start and end are
 * the Job's own times, which Kubernetes keeps in whole seconds (cut, not
 * rounded): queue, build, handoff and so the overhead of one click are
 * exact to ±1 s; over many clicks the cuts cancel out.
 */
export function splitClickToLive(d: RecordedDeployment): ClickSplit {
  if (d.status !== 'live') {
    throw new Error(`Deployment ${d.id} is ${d.status}, not live`);
  }
  // The first report of each status; a later one only updates its message.
  const at = (status: DeploymentStatus, field: 'occurredAt' | 'receivedAt') => {
    const event = d.events.find(e => e.status === status);
    if (!event) {
      throw new Error(
        `Deployment ${d.id} has no '${status}' event (recorded: ${
          d.events.map(e => e.status).join(', ') || 'none'
        }): a deployment that was built cannot be split`,
      );
    }
    return Date.parse(event[field]);
  };
  const accepted = Date.parse(d.createdAt);
  const buildStarted = at('building', 'occurredAt');
  const built = at('built', 'occurredAt');
  const applied = at('deploying', 'occurredAt');
  const live = at('live', 'occurredAt');
  const recorded = at('live', 'receivedAt');
  const split = {
    queue: buildStarted - accepted,
    build: built - buildStarted,
    handoff: applied - built,
    rollout: live - applied,
    report: recorded - live,
    total: recorded - accepted,
  };
  return { ...split, overhead: split.total - split.build - split.rollout };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** `queue 1.2 / build 40.0 / rollout 3.1 / total 45.0 s (overhead 1.9 s)` */
export function describeSplit(s: ClickSplit): string {
  return `queue ${seconds(s.queue)} / build ${seconds(
    s.build,
  )} / rollout ${seconds(s.rollout)} / total ${seconds(
    s.total,
  )} s (overhead ${seconds(s.overhead)} s)`;
}

/** p50 and p99 of durations in ms, in s. */
export function secondsQuantiles(values: number[]) {
  return {
    p50: quantile(values, 0.5) / 1000,
    p99: quantile(values, 0.99) / 1000,
  };
}
