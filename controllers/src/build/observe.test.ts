import { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  cleanLogText,
  digestOf,
  failureOf,
  MAX_MESSAGE,
  observeJob,
  planOf,
} from './observe';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const START = '2025-01-02T03:04:05.000Z';
const END = '2025-01-02T03:09:05.000Z';

function job(
  conditions: Array<{ type: string; reason?: string; message?: string }> = [],
  started = true,
): V1Job {
  return {
    metadata: { name: 'build-x', namespace: 'ns', uid: 'u' },
    status: {
      ...(started ? { startTime: new Date(START) } : {}),
      ...(conditions.some(c => c.type === 'Complete')
        ? { completionTime: new Date(END) }
        : {}),
      conditions: conditions.map(c => ({
        status: 'True',
        lastTransitionTime: new Date(END),
        ...c,
      })),
    },
  };
}

function pod(
  init: Array<[string, number, string?]>,
  main: Array<[string, number, string?]>,
): V1Pod {
  const status = ([name, exitCode, message]: [string, number, string?]) => ({
    name,
    image: 'i',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode,
        message,
        reason: exitCode ? 'Error' : 'Completed',
      },
    },
  });
  return {
    metadata: { name: 'build-x-abcde', creationTimestamp: new Date(START) },
    status: {
      initContainerStatuses: init.map(status),
      containerStatuses: main.map(status),
    },
  };
}

describe('observeJob', () => {
  it('is pending until the Job controller started it, then running', () => {
    expect(observeJob(job([], false), [])).toEqual({ state: 'pending' });
    expect(observeJob(job(), [])).toEqual({
      state: 'running',
      startedAt: START,
    });
  });

  it('reads the digest Kaniko wrote to its termination message', () => {
    const p = pod(
      [
        ['clone', 0],
        ['detect', 0, '{"stack":"node","port":3000}'],
      ],
      [['kaniko', 0, `${DIGEST}\n`]],
    );
    expect(observeJob(job([{ type: 'Complete' }]), [p])).toEqual({
      state: 'succeeded',
      startedAt: START,
      finishedAt: END,
      imageDigest: DIGEST,
      plan: { stack: 'node', port: 3000 },
    });
  });

  it('has no digest while the pod status does not show one', () => {
    const p = pod([['clone', 0]], [['kaniko', 0]]);
    const seen = observeJob(job([{ type: 'Complete' }]), [p]);
    expect(seen).toMatchObject({ state: 'succeeded' });
    expect(seen).toHaveProperty('imageDigest', undefined);
  });

  it('names the failed step with its last log lines', () => {
    const p = pod(
      [
        ['clone', 0],
        ['detect', 0],
      ],
      [
        [
          'kaniko',
          1,
          'step 3/7\nerror building image: npm ERR! missing script',
        ],
      ],
    );
    expect(
      observeJob(job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), [
        p,
      ]),
    ).toEqual({
      state: 'failed',
      startedAt: START,
      finishedAt: END,
      reason: 'BuildFailed',
      message:
        'kaniko exited with code 1 (Error):\nstep 3/7\nerror building image: npm ERR! missing script',
      step: {
        reason: 'BuildFailed',
        container: 'kaniko',
        summary: 'kaniko exited with code 1 (Error)',
        lines: 'step 3/7\nerror building image: npm ERR! missing script',
      },
    });
  });

  it.each([
    ['clone', 'CloneFailed'],
    ['detect', 'DetectFailed'],
    ['cache-restore', 'CacheRestoreFailed'],
    ['kaniko', 'BuildFailed'],
    ['buildkit', 'BuildFailed'],
    ['push', 'PushFailed'],
  ])('attributes a failed %s step', (name, reason) => {
    const p = pod([[name, 2, 'boom']], []);
    expect(failureOf(p)).toMatchObject({ reason, container: name });
  });

  it('says the pod was evicted rather than blaming the killed step', () => {
    const p = pod(
      [
        ['clone', 0],
        ['buildkit', 137, '#13 [build 2/2] RUN npm prune'],
      ],
      [],
    );
    p.status!.reason = 'Evicted';
    p.status!.message =
      'Usage of EmptyDir volume "buildkit-state" exceeds the limit "4Gi". ';
    expect(failureOf(p)).toEqual({
      reason: 'Evicted',
      container: 'buildkit',
      summary: expect.stringMatching(
        /^Evicted: Usage of EmptyDir volume "buildkit-state" exceeds the limit "4Gi"\. The build wrote more to disk than a build may: .*KLI8NT_BUILD_WORKSPACE_SIZE\)\.$/,
      ),
      lines: '#13 [build 2/2] RUN npm prune',
    });
  });

  it.each([
    'Pod ephemeral local storage usage exceeds the total limit of containers 20Gi. ',
    'Container kaniko exceeded its local ephemeral storage limit "20Gi". ',
  ])(
    'says what to do when a build goes over its ephemeral storage: %s',
    message => {
      const p = pod(
        [
          ['clone', 0],
          ['kaniko', 137],
        ],
        [],
      );
      p.status!.reason = 'Evicted';
      p.status!.message = message;
      expect(failureOf(p)?.summary).toBe(
        `Evicted: ${message.trimEnd()} The build wrote more to disk than a build may: make it write less (a smaller base image, fewer layers, no caches in the image), or ask the platform team to raise build.resources.ephemeralStorageLimit or build.workspaceSize (KLI8NT_BUILD_EPHEMERAL_STORAGE_LIMIT, KLI8NT_BUILD_WORKSPACE_SIZE).`,
      );
    },
  );

  it('blames no build when the node itself ran low on disk', () => {
    const p = pod(
      [
        ['clone', 0],
        ['kaniko', 137],
      ],
      [],
    );
    p.status!.reason = 'Evicted';
    p.status!.message = 'The node was low on resource: ephemeral-storage. ';
    expect(failureOf(p)).toMatchObject({
      reason: 'Evicted',
      summary: 'Evicted: The node was low on resource: ephemeral-storage.',
    });
  });

  it('reports a deadline as such, with what the pod was doing', () => {
    const p: V1Pod = {
      metadata: { name: 'p' },
      status: {
        containerStatuses: [
          {
            name: 'kaniko',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: { reason: 'ImagePullBackOff', message: 'pull failed' },
            },
          },
        ],
      },
    };
    const seen = observeJob(
      job([{ type: 'Failed', reason: 'DeadlineExceeded' }]),
      [p],
    );
    expect(seen).toMatchObject({
      state: 'failed',
      reason: 'DeadlineExceeded',
      message:
        'The build did not finish within its deadline; kaniko: ImagePullBackOff: pull failed',
    });
  });

  it('falls back to the Job condition when no pod explains the failure', () => {
    expect(
      observeJob(
        job([
          {
            type: 'Failed',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ]),
        [],
      ),
    ).toMatchObject({
      state: 'failed',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
  });
});

describe('termination messages', () => {
  it("reads the push step's digest, and Kaniko's in Jobs from before the split", () => {
    expect(digestOf(pod([['buildkit', 0]], [['push', 0, `${DIGEST}`]]))).toBe(
      DIGEST,
    );
    expect(digestOf(pod([], [['kaniko', 0, `${DIGEST}\n`]]))).toBe(DIGEST);
  });

  it('accepts only a well-formed digest from a successful Kaniko', () => {
    expect(digestOf(pod([], [['kaniko', 0, 'sha256:abc']]))).toBeUndefined();
    expect(digestOf(pod([], [['kaniko', 1, DIGEST]]))).toBeUndefined();
    expect(digestOf(undefined)).toBeUndefined();
  });

  it('reads the full plan the detect step wrote: its processes for the rollout', () => {
    const plan = {
      stack: 'python',
      framework: 'flask',
      port: 8080,
      startCommand: ['gunicorn', 'app:app'],
      processes: [
        { name: 'web', type: 'web', command: ['gunicorn', 'app:app'] },
        {
          name: 'worker',
          type: 'worker',
          command: ['sh', '-c', 'python w.py'],
        },
      ],
      notes: ['start command from Procfile'],
    };
    expect(planOf(pod([['detect', 0, JSON.stringify(plan)]], []))).toEqual({
      stack: 'python',
      port: 8080,
      processes: plan.processes,
    });
    // A plan whose processes break the model is no plan: the image's command runs.
    expect(
      planOf(
        pod(
          [
            [
              'detect',
              0,
              JSON.stringify({
                ...plan,
                processes: [plan.processes[0], plan.processes[0]],
              }),
            ],
          ],
          [],
        ),
      ),
    ).toBeUndefined();
  });

  it('ignores a detect message that is not a plan', () => {
    expect(
      planOf(pod([['detect', 0, 'wrote Dockerfile']], [])),
    ).toBeUndefined();
    expect(
      planOf(pod([['detect', 0, '{"stack":"Node!","port":3000}']], [])),
    ).toBeUndefined();
    expect(
      planOf(pod([['detect', 0, '{"stack":"go","port":0}']], [])),
    ).toBeUndefined();
  });

  it('strips colour codes and control characters and keeps the end of long logs', () => {
    expect(
      cleanLogText('\u001b[31merror\u001b[0m\r\nnext\u0007 line\n\n'),
    ).toBe('error\nnext line');
    const long = `${'x'.repeat(5000)}END`;
    const cleaned = cleanLogText(long);
    expect(cleaned).toHaveLength(MAX_MESSAGE);
    expect(cleaned.startsWith('…')).toBe(true);
    expect(cleaned.endsWith('END')).toBe(true);
  });
});
