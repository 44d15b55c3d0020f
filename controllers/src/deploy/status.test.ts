import { parseMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { newReportKey, reportMessageId } from '../runtime/reportIds';
import { desiredApp } from './builders';
import { Outcome, planStatus, reportMessage, sameStatus } from './status';
import { App, AppStatus } from './types';
import {
  DEPLOYMENT_ID,
  DIGEST,
  baseConfig,
  buildRollout,
} from './__testUtils__/fixtures';

const OLD_ID = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const IMAGE = `registry.example.com/apps/shop@${DIGEST}`;
const T0 = new Date('2026-11-30T10:00:00.000Z');
const T1 = new Date('2026-11-30T10:01:00.000Z');

const KEY = newReportKey();
/** The id of a report of the App keyed with KEY. */
const idOf = (deploymentId: string, status: string) =>
  reportMessageId(KEY, 'deploy', deploymentId, status);

/** The App with `status`, its report key already stored (as the reconciler does first). */
function app(status?: AppStatus, reportKey = KEY): App {
  const base = desiredApp(buildRollout(), baseConfig);
  return {
    ...base,
    metadata: { ...base.metadata, uid: 'u', generation: 3 },
    status: { ...(reportKey ? { reportKey } : {}), ...status },
  };
}

const progressing: Outcome = {
  kind: 'progressing',
  reason: 'Progressing',
  message: '0 of 1 updated replicas are available',
};
const complete: Outcome = {
  kind: 'complete',
  message: '1 of 1 replicas are available',
};
const failed: Outcome = {
  kind: 'failed',
  reason: 'CrashLoopBackOff',
  message: 'Container app keeps crashing',
};

function plan(a: App, outcome: Outcome, now = T0) {
  return planStatus({ app: a, outcome, now, releaseHistory: 3 });
}

describe('report ids', () => {
  it("are keyed by the App's report key, which the status keeps", () => {
    const first = plan(app(), progressing);
    expect(first.status.reportKey).toBe(KEY);
    expect(first.status.report?.messageId).toBe(
      idOf(DEPLOYMENT_ID, 'deploying'),
    );
    expect(plan(app(first.status), complete, T1).status.reportKey).toBe(KEY);
    // Another App's key (or a forger's guess) gives another id for the same
    // deployment and status.
    const other = newReportKey();
    expect(
      plan(app(undefined, other), progressing).status.report?.messageId,
    ).toBe(reportMessageId(other, 'deploy', DEPLOYMENT_ID, 'deploying'));
    expect(
      reportMessageId(other, 'deploy', DEPLOYMENT_ID, 'deploying'),
    ).not.toBe(idOf(DEPLOYMENT_ID, 'deploying'));
  });

  it('refuses to plan a report for an App without a report key', () => {
    expect(() => plan(app(undefined, ''), progressing)).toThrow(/report key/);
  });
});

describe('planStatus', () => {
  it('reports deploying once while the rollout progresses', () => {
    const first = plan(app(), progressing);
    expect(first.reports).toEqual([
      { deploymentId: DEPLOYMENT_ID, status: 'deploying', image: IMAGE },
    ]);
    expect(first.status).toEqual({
      reportKey: KEY,
      observedGeneration: 3,
      hosts: ['shop.apps.example.com'],
      report: {
        deploymentId: DEPLOYMENT_ID,
        status: 'deploying',
        messageId: idOf(DEPLOYMENT_ID, 'deploying'),
        time: T0.toISOString(),
      },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Progressing',
          message: '0 of 1 updated replicas are available',
          observedGeneration: 3,
          lastTransitionTime: T0.toISOString(),
        },
        {
          type: 'Reported',
          status: 'True',
          reason: 'Deploying',
          message: `Reported deploying for deployment ${DEPLOYMENT_ID}`,
          observedGeneration: 3,
          lastTransitionTime: T0.toISOString(),
        },
      ],
    });
    const again = plan(app(first.status), progressing, T1);
    expect(again.reports).toEqual([]);
    expect(sameStatus(first.status, again.status)).toBe(true);
  });

  it('reports live once with the URL, records the release', () => {
    const deploying = plan(app(), progressing).status;
    const live = plan(app(deploying), complete, T1);
    expect(live.reports).toEqual([
      {
        deploymentId: DEPLOYMENT_ID,
        status: 'live',
        url: 'https://shop.apps.example.com',
        image: IMAGE,
        message: '1 of 1 replicas are available',
      },
    ]);
    expect(live.status).toMatchObject({
      url: 'https://shop.apps.example.com',
      currentDeploymentId: DEPLOYMENT_ID,
      releases: [
        {
          deploymentId: DEPLOYMENT_ID,
          image: IMAGE,
          revision: 'c'.repeat(40),
          time: T1.toISOString(),
        },
      ],
      report: { deploymentId: DEPLOYMENT_ID, status: 'live' },
    });
    expect(live.status.conditions?.[0]).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'RolloutComplete',
      message: '1 of 1 replicas are available',
      observedGeneration: 3,
      lastTransitionTime: T1.toISOString(),
    });
    // the Reported condition moved, the transition time too
    expect(live.status.conditions?.[1]).toMatchObject({
      reason: 'Live',
      lastTransitionTime: T0.toISOString(),
    });
    expect(plan(app(live.status), complete, T1).reports).toEqual([]);
    expect(plan(app(live.status), failed, T1).reports).toEqual([]);
  });

  it('reports deploying then live when the rollout is done at first sight', () => {
    expect(plan(app(), complete).reports.map(r => r.status)).toEqual([
      'deploying',
      'live',
    ]);
  });

  it('reports failed once with the reason', () => {
    const deploying = plan(app(), progressing).status;
    const result = plan(app(deploying), failed, T1);
    expect(result.reports).toEqual([
      {
        deploymentId: DEPLOYMENT_ID,
        status: 'failed',
        reason: 'CrashLoopBackOff',
        message: 'Container app keeps crashing',
        image: IMAGE,
      },
    ]);
    expect(result.status.report).toMatchObject({
      status: 'failed',
      reason: 'CrashLoopBackOff',
    });
    expect(result.status.conditions?.[1].message).toBe(
      `Reported failed for deployment ${DEPLOYMENT_ID} (CrashLoopBackOff)`,
    );
    expect(result.status.releases).toBeUndefined();
    expect(plan(app(result.status), failed, T1).reports).toEqual([]);
    expect(plan(app(result.status), complete, T1).reports).toEqual([]);
  });

  it('carries the readiness of the processes in live and failed, not in deploying', () => {
    const readiness = [
      { process: 'web', ready: 1, desired: 1 },
      { process: 'worker', ready: 0, desired: 1 },
    ];
    const broken = plan(app(), { ...failed, readiness });
    expect(broken.reports.map(r => [r.status, r.readiness])).toEqual([
      ['deploying', undefined],
      ['failed', readiness],
    ]);
    const allReady = readiness.map(r => ({ ...r, ready: 1 }));
    const live = plan(app(plan(app(), progressing).status), {
      ...complete,
      readiness: allReady,
    });
    expect(live.reports).toMatchObject([
      { status: 'live', readiness: allReady },
    ]);
    // Counts are not part of the App's status: no write per pod change.
    expect(JSON.stringify(live.status)).not.toContain('readiness');
    expect(plan(app(), complete).reports[1]).not.toHaveProperty('readiness');
  });

  it('refuses without deploying and keeps the hosts served before', () => {
    const result = plan(
      app({ hosts: ['shop.apps.example.com'], url: 'https://old' }),
      {
        kind: 'refused',
        reason: 'HostConflict',
        message: 'Host x is already served by app y',
      },
    );
    expect(result.reports).toEqual([
      {
        deploymentId: DEPLOYMENT_ID,
        status: 'failed',
        reason: 'HostConflict',
        message: 'Host x is already served by app y',
        image: IMAGE,
      },
    ]);
    expect(result.status.hosts).toEqual(['shop.apps.example.com']);
    expect(result.status.url).toBe('https://old');
    expect(
      plan(app(), { kind: 'refused', reason: 'HostConflict', message: 'm' })
        .status.hosts,
    ).toBeUndefined();
  });

  it('reports only the current deployment: the portal ended the one it replaced', () => {
    const previous: AppStatus = {
      report: {
        deploymentId: OLD_ID,
        status: 'deploying',
        messageId: idOf(OLD_ID, 'deploying'),
        time: T0.toISOString(),
      },
    };
    expect(plan(app(previous), progressing).reports).toEqual([
      { deploymentId: DEPLOYMENT_ID, status: 'deploying', image: IMAGE },
    ]);
  });

  it('does not supersede a deployment that already finished', () => {
    const previous: AppStatus = {
      url: 'https://shop.apps.example.com',
      currentDeploymentId: OLD_ID,
      releases: [
        { deploymentId: OLD_ID, image: 'old@sha256:1', time: T0.toISOString() },
      ],
      report: {
        deploymentId: OLD_ID,
        status: 'live',
        messageId: idOf(OLD_ID, 'live'),
        time: T0.toISOString(),
      },
    };
    const result = plan(app(previous), progressing);
    expect(result.reports.map(r => r.status)).toEqual(['deploying']);
    // the old release keeps serving until the new one is available
    expect(result.status.currentDeploymentId).toBe(OLD_ID);
    const live = plan(app(result.status), complete, T1);
    expect(live.status.releases?.map(r => r.deploymentId)).toEqual([
      DEPLOYMENT_ID,
      OLD_ID,
    ]);
  });

  it('keeps the newest releases up to the history size', () => {
    const releases = ['1', '2', '3'].map(n => ({
      deploymentId: `${n}${OLD_ID.slice(1)}`,
      image: `i${n}`,
      time: T0.toISOString(),
    }));
    const result = plan(app({ releases }), complete, T1);
    expect(result.status.releases?.map(r => r.image)).toEqual([
      IMAGE,
      'i1',
      'i2',
    ]);
  });
});

describe('reportMessage', () => {
  it('is a valid StatusReport from the deploy source', () => {
    const message = reportMessage(
      app(),
      'prod',
      {
        deploymentId: DEPLOYMENT_ID,
        status: 'live',
        url: 'https://shop.apps.example.com',
        image: IMAGE,
        message: 'ok',
      },
      T1,
    );
    expect(parseMessage(JSON.parse(JSON.stringify(message)))).toEqual({
      ok: true,
      message,
    });
    expect(message).toEqual({
      type: 'StatusReport',
      version: 2,
      messageId: idOf(DEPLOYMENT_ID, 'live'),
      deploymentId: DEPLOYMENT_ID,
      occurredAt: T1.toISOString(),
      payload: {
        app: 'shop',
        cluster: 'prod',
        status: 'live',
        message: 'ok',
        url: 'https://shop.apps.example.com',
        image: IMAGE,
        imageDigest: DIGEST,
        source: 'deploy',
      },
    });
  });
});

describe('reportMessage with readiness', () => {
  it('is a valid StatusReport carrying the counts', () => {
    const readiness = [
      { process: 'web', ready: 2, desired: 2 },
      { process: 'queue_worker', ready: 0, desired: 1 },
    ];
    const message = reportMessage(
      app(),
      'prod',
      {
        deploymentId: DEPLOYMENT_ID,
        status: 'failed',
        reason: 'ProgressDeadlineExceeded',
        image: IMAGE,
        readiness,
      },
      T1,
    );
    expect(message.payload.readiness).toEqual(readiness);
    expect(parseMessage(JSON.parse(JSON.stringify(message)))).toEqual({
      ok: true,
      message,
    });
  });
});

describe('sameStatus', () => {
  it('ignores key order, undefined fields and Date vs string', () => {
    expect(
      sameStatus(
        { url: 'u', observedGeneration: 1 },
        { observedGeneration: 1, url: 'u', hosts: undefined },
      ),
    ).toBe(true);
    expect(sameStatus(undefined, {})).toBe(true);
    expect(sameStatus({ url: 'a' }, { url: 'b' })).toBe(false);
  });
});
