import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CoreV1Api, CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import { ManualClock } from './clock';
import { EventRecorder } from './events';
import { createLogger } from './logger';

/*
 * The recorder through client-node's real CoreV1Api against a small HTTP
 * stand-in for the API server's Events endpoints (create refuses a taken
 * name with 409 AlreadyExists, as the API server does), so what goes over
 * the wire is what a cluster would get.
 */

const T0 = Date.parse('2026-12-02T14:00:00.000Z');

const subject = {
  apiVersion: 'kli8nt.io/v1alpha1',
  kind: 'App',
  metadata: { name: 'shop', namespace: 'apps', uid: 'uid-shop' },
};
const live = {
  type: 'Normal' as const,
  reason: 'Live',
  message: 'Deployment d-1 is live at https://shop.apps.example.com',
};

function status(code: number, reason: string) {
  return JSON.stringify({ kind: 'Status', status: 'Failure', code, reason });
}

async function readBody(req: IncomingMessage): Promise<any> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

/** Events by name, and every request as `METHOD content-type`. */
function fakeApiServer() {
  const events = new Map<string, CoreV1Event>();
  const requests: string[] = [];
  const world = { events, requests, refuseCreate: false };
  const server = createServer(async (req, res) => {
    requests.push(`${req.method} ${req.headers['content-type'] ?? ''}`);
    const body = await readBody(req);
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/events(?:\/([^/?]+))?/.exec(
      req.url ?? '',
    );
    const reply = (code: number, payload: string) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(payload);
    };
    if (!match) return reply(404, status(404, 'NotFound'));
    const name = match[2] ?? body?.metadata?.name;
    const existing = events.get(name);
    if (req.method === 'POST') {
      if (world.refuseCreate) return reply(403, status(403, 'Forbidden'));
      if (existing) return reply(409, status(409, 'AlreadyExists'));
      events.set(name, body);
      return reply(201, JSON.stringify(body));
    }
    if (!existing) return reply(404, status(404, 'NotFound'));
    if (req.method === 'PATCH') events.set(name, { ...existing, ...body });
    return reply(200, JSON.stringify(events.get(name)));
  });
  return { server, world };
}

describe('EventRecorder', () => {
  let server: Server;
  let world: ReturnType<typeof fakeApiServer>['world'];
  let core: CoreV1Api;

  beforeEach(async () => {
    ({ server, world } = fakeApiServer());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'fake',
          server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          // client-node allows plain HTTP only so.
          skipTLSVerify: true,
        },
      ],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    core = kubeConfig.makeApiClient(CoreV1Api);
  });
  afterEach(() => new Promise(resolve => server.close(resolve)));

  const recorder = (
    clock: ManualClock,
    instance = 'deploy-0',
    warn = jest.fn(),
  ) =>
    new EventRecorder({
      core,
      component: 'kli8nt-deploy',
      instance,
      logger: { ...createLogger({}, () => {}), warn },
      clock,
    });

  it('creates an Event about the object, named for its uid, reason and message', async () => {
    await recorder(new ManualClock(T0)).record(subject, live);
    const [[name, event]] = [...world.events];
    expect(name).toMatch(/^shop\.[0-9a-f]{16}$/);
    expect(event).toEqual({
      metadata: { name, namespace: 'apps' },
      involvedObject: {
        apiVersion: 'kli8nt.io/v1alpha1',
        kind: 'App',
        name: 'shop',
        namespace: 'apps',
        uid: 'uid-shop',
      },
      ...live,
      count: 1,
      firstTimestamp: '2026-12-02T14:00:00.000Z',
      lastTimestamp: '2026-12-02T14:00:00.000Z',
      source: { component: 'kli8nt-deploy' },
      reportingComponent: 'kli8nt-deploy',
      reportingInstance: 'deploy-0',
    });
  });

  it('turns a repeat, also from another replica, into a count on the same Event', async () => {
    const clock = new ManualClock(T0);
    await recorder(clock, 'deploy-0').record(subject, live);
    clock.advance(5_000);
    await recorder(clock, 'deploy-1').record(subject, live);
    clock.advance(5_000);
    await recorder(clock, 'deploy-1').record(subject, live);

    expect(world.events.size).toBe(1);
    const [event] = world.events.values();
    expect(event).toMatchObject({
      count: 3,
      firstTimestamp: '2026-12-02T14:00:00.000Z',
      lastTimestamp: '2026-12-02T14:00:10.000Z',
    });
    expect(world.requests.filter(r => r.startsWith('PATCH'))).toEqual([
      'PATCH application/merge-patch+json',
      'PATCH application/merge-patch+json',
    ]);
  });

  it('keeps another reason, message or object apart', async () => {
    const rec = recorder(new ManualClock(T0));
    await rec.record(subject, live);
    await rec.record(subject, { ...live, message: 'Deployment d-2 is live' });
    await rec.record(subject, { ...live, reason: 'RolloutStarted' });
    // The same name again after a delete is another object.
    await rec.record(
      { ...subject, metadata: { ...subject.metadata, uid: 'uid-shop-2' } },
      live,
    );
    expect(world.events.size).toBe(4);
    expect([...world.events.values()].every(e => e.count === 1)).toBe(true);
  });

  it('clips a long message to what the API server accepts', async () => {
    await recorder(new ManualClock(T0)).record(subject, {
      ...live,
      message: 'x'.repeat(5000),
    });
    const [event] = world.events.values();
    expect(event.message).toHaveLength(1024);
  });

  it('logs a refused write and never fails the caller', async () => {
    world.refuseCreate = true;
    const warn = jest.fn();
    await expect(
      recorder(new ManualClock(T0), 'deploy-0', warn).record(subject, live),
    ).resolves.toBeUndefined();
    expect(world.events.size).toBe(0);
    expect(warn).toHaveBeenCalledWith(
      'could not record an event',
      expect.objectContaining({ object: 'App/apps/shop', reason: 'Live' }),
    );
  });
});
