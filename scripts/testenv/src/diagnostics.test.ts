import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  describeEvents,
  describeNodes,
  describePod,
  describePods,
  formatClusterState,
} from './diagnostics';

// Shaped as the kubelet and the scheduler write them on the test world's
// real node when its disk ran low (the run of issue #13).
const evicted: V1Pod = {
  metadata: { name: 'web-7d9c5-abcde', namespace: 'apps' },
  spec: { nodeName: 'real-node', containers: [{ name: 'web' }] },
  status: {
    phase: 'Failed',
    reason: 'Evicted',
    message:
      'The node was low on resource: ephemeral-storage. Threshold quantity: 2530364040, available: 1042108Ki.',
    conditions: [
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'TerminationByKubelet',
        message: 'The node was low on resource: ephemeral-storage.',
      },
      { type: 'Ready', status: 'False', reason: 'PodFailed' },
    ],
    containerStatuses: [
      {
        name: 'web',
        image: 'busybox',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode: 137,
            reason: 'ContainerStatusUnknown',
            message:
              'The container could not be located when the pod was terminated',
          },
        },
      },
    ],
  },
};

const crashing: V1Pod = {
  metadata: { name: 'api-1', namespace: 'apps' },
  spec: { nodeName: 'real-node', containers: [{ name: 'api' }] },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [api]',
      },
    ],
    initContainerStatuses: [
      {
        name: 'clone',
        image: 'git',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed' } },
      },
    ],
    containerStatuses: [
      {
        name: 'api',
        image: 'api',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: 'back-off 1m20s restarting failed container=api',
          },
        },
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      },
    ],
  },
};

const unschedulable: V1Pod = {
  metadata: { name: 'build-x', namespace: 'apps' },
  spec: { containers: [{ name: 'build' }] },
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message:
          '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }.',
      },
    ],
  },
};

const event = (
  reason: string,
  at: string,
  message: string,
  extra: Partial<CoreV1Event> = {},
): CoreV1Event => ({
  metadata: { name: `${reason}.${at}`, namespace: 'apps' },
  involvedObject: { kind: 'Pod', name: 'web-7d9c5-abcde' },
  type: 'Warning',
  reason,
  message,
  lastTimestamp: new Date(at),
  ...extra,
});

describe('describePod', () => {
  it('says an evicted pod was evicted, why, and what its container ended as', () => {
    expect(describePod(evicted)).toEqual([
      'pod web-7d9c5-abcde on real-node: Failed (Evicted: The node was low on resource: ephemeral-storage. Threshold quantity: 2530364040, available: 1042108Ki.)',
      '  conditions: DisruptionTarget=True, Ready=False (PodFailed)',
      '  container web: terminated, exit 137 (ContainerStatusUnknown: The container could not be located when the pod was terminated)',
    ]);
  });

  it('gives a crashing container its waiting reason, restarts and last exit', () => {
    expect(describePod(crashing)).toEqual([
      'pod api-1 on real-node: Running',
      '  conditions: PodScheduled=True, Initialized=True, Ready=False (ContainersNotReady: containers with unready status: [api])',
      '  init container clone: terminated, exit 0 (Completed)',
      '  container api: waiting (CrashLoopBackOff: back-off 1m20s restarting failed container=api), 4 restarts, last terminated, exit 1 (Error)',
    ]);
  });

  it("gives an unscheduled pod the scheduler's reason", () => {
    expect(describePod(unschedulable)).toEqual([
      'pod build-x: Pending',
      '  conditions: PodScheduled=False (Unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }.)',
    ]);
  });

  it('marks a running container that is not ready, and a pod being deleted', () => {
    const lines = describePod({
      metadata: { name: 'p', deletionTimestamp: new Date() },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'c',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: {} },
          },
        ],
      },
    });
    expect(lines).toEqual([
      'pod p: Running, being deleted',
      '  container c: running, not ready',
    ]);
  });
});

describe('describePods', () => {
  it('says so when there are none, and caps a long list', () => {
    expect(describePods([])).toEqual(['no pods']);
    const many = Array.from({ length: 25 }, (_, i) => ({
      metadata: { name: `p${i}` },
      status: { phase: 'Pending' },
    }));
    const lines = describePods(many);
    expect(lines).toHaveLength(21);
    expect(lines[19]).toBe('pod p19: Pending');
    expect(lines[20]).toBe('… and 5 more pods');
  });
});

describe('describeEvents', () => {
  const events = [
    event(
      'Evicted',
      '2026-12-01T10:00:05Z',
      'The node was low on resource: ephemeral-storage. ',
    ),
    event(
      'Scheduled',
      '2026-12-01T09:59:00Z',
      'Successfully assigned apps/web to real-node',
      { type: 'Normal' },
    ),
    event('BackOff', '2026-12-01T10:00:01Z', 'Back-off pulling image', {
      count: 7,
    }),
    // events.k8s.io/v1 writers set eventTime and a series instead.
    {
      ...event(
        'FailedScheduling',
        '2026-12-01T10:00:03Z',
        '0/3 nodes are available',
      ),
      lastTimestamp: undefined,
      eventTime: new Date('2026-12-01T10:00:03Z'),
      series: { count: 3, lastObservedTime: new Date('2026-12-01T10:00:03Z') },
    },
  ];

  it('lists the newest, oldest first, with object and repeats', () => {
    expect(describeEvents(events, 3)).toEqual([
      '2026-12-01T10:00:01.000Z Warning BackOff Pod/web-7d9c5-abcde: Back-off pulling image (x7)',
      '2026-12-01T10:00:03.000Z Warning FailedScheduling Pod/web-7d9c5-abcde: 0/3 nodes are available (x3)',
      '2026-12-01T10:00:05.000Z Warning Evicted Pod/web-7d9c5-abcde: The node was low on resource: ephemeral-storage.',
    ]);
    expect(describeEvents([])).toEqual(['no events']);
  });

  it('reads the JSON kubectl prints (timestamps as strings) the same way', () => {
    const asKubectlPrintsThem = JSON.parse(JSON.stringify(events));
    expect(describeEvents(asKubectlPrintsThem, 3)).toEqual(
      describeEvents(events, 3),
    );
  });
});

describe('describeNodes', () => {
  const node = (name: string, diskPressure: string, ready: string): V1Node => ({
    metadata: { name },
    status: {
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
        },
        {
          type: 'DiskPressure',
          status: diskPressure,
          reason:
            diskPressure === 'True'
              ? 'KubeletHasDiskPressure'
              : 'KubeletHasNoDiskPressure',
          message:
            diskPressure === 'True'
              ? 'kubelet has disk pressure'
              : 'kubelet has no disk pressure',
        },
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          message:
            ready === 'True'
              ? 'kubelet is posting ready status'
              : 'PLEG is not healthy',
        },
      ],
    },
  });

  it('names a node under disk pressure or not ready, and only those', () => {
    expect(
      describeNodes([
        node('kwok-1', 'False', 'True'),
        node('real-node', 'True', 'True'),
        node('kwok-2', 'False', 'False'),
      ]),
    ).toEqual([
      'node real-node: DiskPressure=True (KubeletHasDiskPressure: kubelet has disk pressure)',
      'node kwok-2: Ready=False (KubeletNotReady: PLEG is not healthy)',
    ]);
    expect(describeNodes([node('kwok-1', 'False', 'True')])).toEqual([
      'all 1 nodes Ready, none under pressure',
    ]);
  });
});

describe('formatClusterState', () => {
  it('puts pods, workloads, events and nodes under headings, and what kubectl said instead of a list', () => {
    expect(
      formatClusterState({
        namespace: 'apps',
        pods: [evicted],
        events: [
          event('Evicted', '2026-12-01T10:00:05Z', 'low on ephemeral-storage'),
        ],
        nodes: 'The connection to the server 127.0.0.1:20443 was refused',
        workloads: 'NAME  READY\ndeployment.apps/web  0/1',
      }).split('\n'),
    ).toEqual([
      '--- namespace apps: pods',
      ...describePod(evicted),
      '--- workloads',
      'NAME  READY',
      'deployment.apps/web  0/1',
      '--- last 10 events',
      '2026-12-01T10:00:05.000Z Warning Evicted Pod/web-7d9c5-abcde: low on ephemeral-storage',
      '--- nodes',
      'The connection to the server 127.0.0.1:20443 was refused',
    ]);
  });
});
