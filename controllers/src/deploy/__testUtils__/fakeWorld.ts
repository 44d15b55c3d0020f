import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { StatusReportMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { EventRecorder, ManualClock, createLogger } from '../../runtime';
import { desiredApp } from '../builders';
import { AppReconciler, DeployKubeClients } from '../reconciler';
import { App, AppStatus } from '../types';
import { baseConfig, buildRollout } from './fixtures';

/*
 * The API server as the deploy reconciler's unit tests see it: one stored
 * App whose status is written only at its current resourceVersion (a stale
 * write gets 409, as on a real API server), Events stored by name, and
 * recorded applies.
 */

export const NOW = Date.parse('2026-11-30T10:00:00.000Z');
export const TOMBSTONE_RETENTION_MS = 3_600_000;

export function storedApp(
  overrides: Partial<App['spec']> = {},
  status?: AppStatus,
) {
  const app = desiredApp(
    buildRollout({ config: { domains: ['shop.example.org'] } }),
    baseConfig,
  );
  return {
    ...app,
    metadata: {
      ...app.metadata,
      uid: 'uid-shop',
      generation: 1,
      resourceVersion: '1',
      creationTimestamp: '2026-11-30T09:00:00Z' as unknown as Date,
      managedFields: [
        { manager: 'kli8nt', time: '2026-11-30T10:00:00Z' as unknown as Date },
      ],
    },
    spec: { ...app.spec, ...overrides },
    ...(status ? { status } : {}),
  } as App;
}

function apiError(code: number, message: string) {
  return Object.assign(new Error(message), { code });
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

type JsonPatchOp = { op: string; path: string; value?: unknown };

export function fakeWorld(initial: App | undefined) {
  const applied: Array<{ kind?: string; name?: string }> = [];
  /** Statuses the API server stored, in order. */
  const statuses: AppStatus[] = [];
  /** Every status write: the resourceVersion it was made at, and its answer. */
  const statusWrites: Array<{ at: unknown; code: number }> = [];
  const events = new Map<string, CoreV1Event>();
  const state = {
    stored: initial ? copy(initial) : undefined,
    /** Runs before each status write, e.g. as another writer moving the App. */
    beforeStatusWrite: undefined as (() => void | Promise<void>) | undefined,
    /** Runs before each delete of the App, e.g. as a deploy reviving it. */
    beforeDelete: undefined as (() => void) | undefined,
    secretLabel: undefined as string | undefined,
    noGatewayApi: false,
    deploymentStatus: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 0,
    } as object,
    /** Status of a Deployment by name, else `deploymentStatus`. */
    statusByName: {} as Record<string, object>,
    /** Pods in the namespace; a list returns those its selector matches. */
    pods: [] as V1Pod[],
  };
  /** Another writer changes the App: its version moves on. */
  const touch = (change: (app: App) => void = () => {}) => {
    const app = state.stored!;
    change(app);
    app.metadata.resourceVersion = String(
      Number(app.metadata.resourceVersion) + 1,
    );
  };
  const clients = {
    objects: {
      patch: jest.fn(async (obj: any) => {
        if (obj.kind === 'HTTPRoute' && state.noGatewayApi) {
          throw new Error(
            'Unrecognized API version and kind: gateway.networking.k8s.io/v1 HTTPRoute',
          );
        }
        applied.push({ kind: obj.kind, name: obj.metadata.name });
        if (obj.kind !== 'Deployment') return obj;
        return {
          ...obj,
          metadata: { ...obj.metadata, generation: 1 },
          status:
            state.statusByName[obj.metadata.name] ?? state.deploymentStatus,
        };
      }),
      read: jest.fn(async () => {
        throw apiError(404, 'not found');
      }),
      // No Deployments or release Jobs left over from earlier processes.
      list: jest.fn(async () => ({ items: [] })),
      delete: jest.fn(),
    },
    custom: {
      getNamespacedCustomObject: jest.fn(async () => {
        if (!state.stored) throw apiError(404, 'not found');
        return copy(state.stored);
      }),
      // Only the JSON patch of `replaceStatusAt`: a forced apply is refused.
      patchNamespacedCustomObjectStatus: jest.fn(
        async (req: { body: JsonPatchOp[] }) => {
          await state.beforeStatusWrite?.();
          const app = state.stored!;
          const at = req.body.find(
            op => op.path === '/metadata/resourceVersion',
          )?.value;
          const code = at === app.metadata.resourceVersion ? 200 : 409;
          statusWrites.push({ at, code });
          if (code === 409) {
            throw apiError(409, 'the object has been modified');
          }
          app.status = req.body.find(op => op.path === '/status')!
            .value as AppStatus;
          statuses.push(copy(app.status));
          touch();
          return copy(app);
        },
      ),
      deleteNamespacedCustomObject: jest.fn(
        async (req: {
          body: { preconditions: { resourceVersion: string } };
        }) => {
          state.beforeDelete?.();
          if (!state.stored) throw apiError(404, 'not found');
          const at = req.body.preconditions.resourceVersion;
          if (at !== state.stored.metadata.resourceVersion) {
            throw apiError(409, 'the object has been modified');
          }
          state.stored = undefined;
          return {};
        },
      ),
    },
    core: {
      listNamespacedPod: jest.fn(async (req: { labelSelector: string }) => ({
        items: state.pods.filter(pod =>
          req.labelSelector.split(',').every(term => {
            const [key, value] = term.split('=');
            return pod.metadata?.labels?.[key] === value;
          }),
        ),
      })),
      readNamespacedSecret: jest.fn(async () => {
        if (!state.secretLabel) throw apiError(404, 'not found');
        return {
          metadata: { labels: { 'kli8nt.io/deployment': state.secretLabel } },
        };
      }),
      createNamespacedEvent: jest.fn(async (req: { body: CoreV1Event }) => {
        const name = req.body.metadata!.name!;
        if (events.has(name)) throw apiError(409, 'already exists');
        events.set(name, copy(req.body));
        return req.body;
      }),
      readNamespacedEvent: jest.fn(async (req: { name: string }) => {
        const event = events.get(req.name);
        if (!event) throw apiError(404, 'not found');
        return copy(event);
      }),
      patchNamespacedEvent: jest.fn(
        async (req: { name: string; body: Partial<CoreV1Event> }) => {
          const event = { ...events.get(req.name)!, ...req.body };
          events.set(req.name, event);
          return event;
        },
      ),
    },
    apps: {},
  };
  return {
    clients: clients as unknown as DeployKubeClients,
    state,
    touch,
    applied,
    statuses,
    statusWrites,
    /** The stored Events as [type, reason, message, count]. */
    events: () =>
      [...events.values()].map(e => [e.type, e.reason, e.message, e.count]),
    reports: [] as StatusReportMessage[],
    others: [] as App[],
  };
}

export type FakeWorld = ReturnType<typeof fakeWorld>;

export function reconciler(world: FakeWorld, clock: ManualClock) {
  const logger = createLogger({}, () => {});
  return new AppReconciler({
    clients: world.clients,
    listApps: () => world.others,
    publish: async report => {
      world.reports.push(report);
    },
    cluster: 'prod',
    placement: { nodeSelector: {}, progressDeadlineSeconds: 60 },
    releaseHistory: 10,
    pollMs: 5000,
    tombstoneRetentionMs: TOMBSTONE_RETENTION_MS,
    logger,
    clock,
    events: new EventRecorder({
      core: world.clients.core,
      component: 'kli8nt-deploy',
      instance: 'deploy-0',
      logger,
      clock,
    }),
  });
}
