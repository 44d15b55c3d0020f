import fs from 'node:fs';
import path from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Process } from '@internal/backstage-plugin-kli8nt-common';
import {
  appUrl,
  desiredApp,
  desiredDeployment,
  desiredService,
} from './builders';
import { processDeploymentName } from './appMeta';
import { desiredIngress } from './exposure';
import { processKeyConflict, runningProcesses } from './processes';
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
