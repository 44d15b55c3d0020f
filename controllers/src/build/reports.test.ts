import { parseMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { newReportKey, reportMessageId } from '../runtime/reportIds';
import { desiredBuild } from './desired';
import { reportsFor } from './reports';
import { markReported } from './status';
import { buildRequested, DEPLOYMENT_ID } from './testFixtures';
import { BuildResource } from './types';

const T0 = new Date('2025-01-02T03:04:05.000Z');
const T1 = new Date('2025-01-02T03:09:05.000Z');
const DIGEST = `sha256:${'d'.repeat(64)}`;
const REPO = 'registry.example.com/apps/shop';
const KEY = newReportKey();

function build(): BuildResource {
  const b = desiredBuild(buildRequested(), 'ns');
  b.metadata.generation = 1;
  b.metadata.creationTimestamp = T0;
  return b;
}

const succeeded = (b: BuildResource, reportKey?: string) => {
  b.status = {
    phase: 'Succeeded',
    startedAt: T0.toISOString(),
    finishedAt: T1.toISOString(),
    image: `${REPO}@${DIGEST}`,
    imageDigest: DIGEST,
    plan: { stack: 'node', port: 3000 },
    ...(reportKey ? { reportKey } : {}),
  };
  return b;
};

describe('reports', () => {
  it("keys message ids with the Build's report key: the same for every copy, unknown without it", () => {
    const ids = (reportKey: string) =>
      reportsFor(succeeded(build(), reportKey)).map(o => o.message.messageId);
    // A restarted controller (or a second replica) reads the same key.
    expect(ids(KEY)).toEqual(ids(KEY));
    expect(ids(KEY)).toEqual([
      reportMessageId(KEY, 'build', DEPLOYMENT_ID, 'building'),
      reportMessageId(KEY, 'build', DEPLOYMENT_ID, 'built'),
    ]);
    // Another key (all a forger without the Build can try) gives other ids.
    const other = ids(newReportKey());
    expect(other.filter(id => ids(KEY).includes(id))).toEqual([]);
  });

  it('refuses to report without a report key', () => {
    expect(() => reportsFor(succeeded(build()))).toThrow(
      /write one to its status before publishing/,
    );
  });

  it('publishes nothing while pending', () => {
    expect(reportsFor(build())).toEqual([]);
  });

  it('reports built with image, digest and plan to INFORM only (with building first if never reported)', () => {
    const b = succeeded(build(), KEY);
    const out = reportsFor(b);
    expect(out.map(o => [o.queue, o.message.payload.status])).toEqual([
      ['inform', 'building'],
      ['inform', 'built'],
    ]);
    expect(out[1].message).toEqual({
      type: 'StatusReport',
      version: 2,
      messageId: reportMessageId(KEY, 'build', DEPLOYMENT_ID, 'built'),
      deploymentId: DEPLOYMENT_ID,
      occurredAt: T1.toISOString(),
      payload: {
        app: 'shop',
        cluster: 'prod',
        status: 'built',
        image: `${REPO}@${DIGEST}`,
        imageDigest: DIGEST,
        plan: { stack: 'node', port: 3000 },
        source: 'build',
      },
    });
    for (const { message } of out)
      expect(parseMessage(message)).toMatchObject({ ok: true });

    b.status = markReported(b, { ...b.status, phase: 'Building' }, T0);
    b.status.phase = 'Succeeded';
    expect(reportsFor(b).map(o => o.message.payload.status)).toEqual(['built']);
  });

  it('reports failures with their reason and cancellations', () => {
    const b = build();
    b.status = {
      phase: 'Failed',
      finishedAt: T1.toISOString(),
      reason: 'BuildFailed',
      message: 'kaniko exited with code 1',
      reportKey: KEY,
    };
    const [failed] = reportsFor(b);
    expect(failed.queue).toBe('inform');
    expect(failed.message.payload).toEqual({
      app: 'shop',
      cluster: 'prod',
      status: 'failed',
      reason: 'BuildFailed',
      message: 'kaniko exited with code 1',
      source: 'build',
    });
    b.status = {
      phase: 'Cancelled',
      finishedAt: T1.toISOString(),
      reportKey: KEY,
    };
    expect(reportsFor(b)[0].message.payload).toMatchObject({
      status: 'cancelled',
      reason: 'Cancelled',
    });
  });
});
