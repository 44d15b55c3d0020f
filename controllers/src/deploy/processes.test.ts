import fs from 'node:fs';
import path from 'node:path';
import type {
  V1Deployment,
  V1DeploymentStatus,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import type { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  appUrl,
  desiredApp,
  desiredDeployment,
  desiredService,
} from './builders';
import { processDeploymentName } from './appMeta';
import { desiredIngress } from './exposure';
import {
  processKeyConflict,
  processReadiness,
  runningProcesses,
} from './processes';
import { desiredReleaseJob, releaseJobName, releaseState } from './release';
import { baseConfig, buildRollout } from './__testUtils__/fixtures';
import type { App } from './types';

const UID = '11111111-2222-4333-8444-555555555555';
const placement = { nodeSelector: {}, progressDeadlineSeconds: 600 };

const WEB: Process = {
  name: 'web',
  type: 'web',
  command: ['sh', '-c', 'node server.js'],
};
const WORKER: Process = {
  name: 'queue_worker',
  type: 'worker',
  command: ['sh', '-c', 'node worker.js'],
};
const RELEASE: Process = {
  name: 'release',
  type: 'release',
  command: ['sh', '-c', 'node migrate.js'],
};

function appWith(processes?: Process[]): App {
  const app = desiredApp(buildRollout({ processes }), baseConfig);
  return { ...app, metadata: { ...app.metadata, uid: UID } };
}

/**
 * Golden objects of a web + worker + release app: what the cluster gets
 * shows in review. Regenerate after an intended change with
 * `KLI8NT_UPDATE_GOLDEN=1 CI=true yarn backstage-cli repo test controllers/src/deploy/processes.test.ts`.
 */
describe('objects of an app with processes (golden)', () => {
  it('matches __golden__/web-worker-release.json', () => {
    const app = appWith([WEB, WORKER, RELEASE]);
    const objects = [
      desiredReleaseJob(app, placement, RELEASE),
      ...runningProcesses(app.spec).map(p =>
        desiredDeployment(app, placement, p),
      ),
      desiredService(app),
      desiredIngress(app),
    ];
    const file = path.join(__dirname, '__golden__', 'web-worker-release.json');
    const text = `${JSON.stringify(objects, null, 2)}\n`;
    if (process.env.KLI8NT_UPDATE_GOLDEN === '1') {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    expect(text).toBe(fs.readFileSync(file, 'utf8'));
  });
});

describe('process objects', () => {
  it('keeps an app without processes as it was: one web process, the image command', () => {
    const app = appWith();
    expect(app.spec.processes).toBeUndefined();
    const [container] = desiredDeployment(app, placement).spec!.template.spec!
      .containers;
    expect(container.command).toBeUndefined();
    expect(container.ports).toHaveLength(1);
    expect(appUrl(app.spec)).toBe('https://shop.apps.example.com');
  });

  it('gives a worker its own Deployment: no port, no probe, no PORT, its command', () => {
    const app = appWith([WEB, WORKER]);
    const worker = desiredDeployment(app, placement, WORKER);
    expect(worker.metadata!.name).toBe('shop-queue-worker');
    expect(worker.spec!.selector.matchLabels).toEqual({
      'kli8nt.io/app': 'shop',
      'kli8nt.io/role': 'runtime',
      'kli8nt.io/process': 'queue-worker',
    });
    const pod = worker.spec!.template.spec!;
    const [container] = pod.containers;
    expect(container.command).toEqual(['sh', '-c', 'node worker.js']);
    expect(container.ports).toBeUndefined();
    expect(container.readinessProbe).toBeUndefined();
    expect(container.env!.map(e => e.name)).not.toContain('PORT');
    // The same pod security as the web process.
    const web = desiredDeployment(app, placement, WEB).spec!.template.spec!;
    expect(pod.securityContext).toEqual(web.securityContext);
    expect(container.securityContext).toEqual(
      web.containers[0].securityContext,
    );
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('serves only the web pods: the Service selects the web process', () => {
    const app = appWith([WEB, WORKER]);
    expect(desiredService(app).spec!.selector).toMatchObject({
      'kli8nt.io/process': 'web',
    });
    expect(
      desiredDeployment(app, placement, WEB).spec!.template.metadata!.labels,
    ).toMatchObject({ 'kli8nt.io/process': 'web' });
  });

  it('has no URL without a web process', () => {
    const app = appWith([WORKER]);
    expect(appUrl(app.spec)).toBeUndefined();
    expect(
      runningProcesses(app.spec).map(p => processDeploymentName(app, p)),
    ).toEqual(['shop-queue-worker']);
  });

  it('runs the release as a Job: once, no retries, never restarted, the rollout deadline', () => {
    const app = appWith([WEB, RELEASE]);
    const job = desiredReleaseJob(app, placement, RELEASE);
    expect(job.metadata!.name).toBe('shop-release-0b7f1c3e');
    expect(job.spec!.backoffLimit).toBe(0);
    expect(job.spec!.activeDeadlineSeconds).toBe(600);
    expect(job.spec!.template.spec!.restartPolicy).toBe('Never');
    expect(job.spec!.template.spec!.containers[0].command).toEqual(
      RELEASE.command,
    );
    expect(job.metadata!.ownerReferences![0]).toMatchObject({
      kind: 'App',
      uid: UID,
    });
    expect(() => desiredDeployment(app, placement, RELEASE)).toThrow(/Job/);
  });

  it('keeps a release Job name within 63 characters for the longest app name', () => {
    const app = appWith([WEB, RELEASE]);
    const long = {
      ...app,
      metadata: { ...app.metadata, name: 'a'.repeat(63) },
    };
    const name = releaseJobName(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^a+-release-0b7f1c3e$/);
  });

  it('refuses processes whose cluster names collide', () => {
    const app = appWith([WEB, WORKER, { ...WORKER, name: 'queue-worker' }]);
    expect(processKeyConflict(app.spec)).toMatch(
      /queue_worker and queue-worker .* queue-worker/,
    );
    expect(processKeyConflict(appWith([WEB, WORKER]).spec)).toBeUndefined();
  });
});

describe('releaseState', () => {
  const job = (status: V1Job['status']): V1Job => ({
    spec: { activeDeadlineSeconds: 600, template: {} },
    status,
  });
  const exited = (exitCode: number): V1Pod => ({
    status: {
      containerStatuses: [
        {
          name: 'app',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode } },
        },
      ],
    },
  });

  it('reads complete, failed with the exit code, deadline, and running', () => {
    expect(
      releaseState(
        job({ conditions: [{ type: 'Complete', status: 'True' }] }),
        [],
      ),
    ).toEqual({ phase: 'succeeded' });
    expect(
      releaseState(
        job({ failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }),
        [exited(3)],
      ),
    ).toEqual({
      phase: 'failed',
      reason: 'ReleaseFailed',
      message:
        'The release command exited with code 3; the previous version keeps serving',
    });
    expect(
      releaseState(
        job({
          conditions: [
            { type: 'Failed', status: 'True', reason: 'DeadlineExceeded' },
          ],
        }),
        [],
      ),
    ).toMatchObject({
      phase: 'failed',
      message: expect.stringMatching(/did not finish within 600 seconds/),
    });
    expect(releaseState(job({ active: 1 }), [])).toEqual({
      phase: 'running',
      message: 'The release command is running',
    });
  });
});

describe('processReadiness', () => {
  const app = appWith([WEB, WORKER, RELEASE]);
  /** A process's Deployment as the API server returns it after an apply. */
  const returned = (
    process: Process,
    status: V1DeploymentStatus | undefined,
    replicas = 2,
  ): V1Deployment => {
    const desired = desiredDeployment(
      { ...app, spec: { ...app.spec, replicas } },
      placement,
      process,
    );
    return {
      ...desired,
      metadata: { ...desired.metadata, generation: 1 },
      ...(status ? { status } : {}),
    };
  };
  /** A pod of this deployment, as the kubelet reports it. */
  const pod = (name: string, ready: boolean, deleting = false): V1Pod => ({
    metadata: {
      name,
      ...(deleting
        ? { deletionTimestamp: '2026-11-30T10:00:00Z' as unknown as Date }
        : {}),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
  const available = (ok: boolean) => ({
    type: 'Available',
    status: ok ? 'True' : 'False',
    reason: ok ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
  });

  it('counts the ready pods of a complete rollout from the Deployment; a crash loop reads 0 ready', () => {
    expect(
      processReadiness(
        WEB,
        returned(WEB, {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          readyReplicas: 2,
          availableReplicas: 2,
          conditions: [available(true)],
        }),
        true,
        [],
      ),
    ).toEqual({ process: 'web', ready: 2, desired: 2 });
    // A worker whose pod keeps crashing: the API server omits the zero
    // readyReplicas and availableReplicas.
    const crashing = returned(
      WORKER,
      {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        unavailableReplicas: 1,
        conditions: [available(false)],
      },
      1,
    );
    expect(
      processReadiness(WORKER, crashing, false, [pod('w-1', false)]),
    ).toEqual({ process: 'queue_worker', ready: 0, desired: 1 });
  });

  it('does not count the old pods that still serve while a redeploy rolls out', () => {
    // maxSurge 1, maxUnavailable 0: the old pod stays ready beside the new
    // one, which crash-loops; readyReplicas counts the old one.
    const redeploy = returned(
      WEB,
      {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
      },
      1,
    );
    expect(
      processReadiness(WEB, redeploy, false, [pod('new-1', false)]),
    ).toEqual({ process: 'web', ready: 0, desired: 1 });
    // Of three wanted, one new pod ready, one starting, one terminating.
    const halfway = returned(
      WEB,
      {
        observedGeneration: 1,
        replicas: 4,
        updatedReplicas: 2,
        readyReplicas: 3,
        availableReplicas: 3,
      },
      3,
    );
    expect(
      processReadiness(WEB, halfway, false, [
        pod('new-1', true),
        pod('new-2', false),
        pod('new-3', true, true),
      ]),
    ).toEqual({ process: 'web', ready: 1, desired: 3 });
  });

  it('counts none before the first count, and wants none of a process scaled to zero', () => {
    // Just created: the Deployment controller has written no status yet.
    expect(
      processReadiness(WORKER, returned(WORKER, undefined, 3), false, []),
    ).toEqual({ process: 'queue_worker', ready: 0, desired: 3 });
    expect(
      processReadiness(
        WEB,
        returned(WEB, { observedGeneration: 1 }, 0),
        true,
        [],
      ),
    ).toEqual({ process: 'web', ready: 0, desired: 0 });
  });
});
