import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type {
  Deployment,
  DeploymentStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { createKli8ntDeployAction } from './deploy';

const ENTITY_REF = 'component:default/hello';
const USER = mockCredentials.user('user:default/jane');

/** A small in-process stand-in of the Kli8nt backend's REST API. */
class FakeKli8ntBackend {
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  /** Statuses a deployment goes through, one per GET. */
  script: Partial<Deployment>[] = [{ status: 'queued' }];
  createStatus = 202;
  #server?: Server;
  #deployment?: Deployment;

  async start(): Promise<string> {
    const app = express();
    app.use(express.json());
    app.use((req, res, next) => {
      this.requests.push({
        method: req.method,
        path: req.path,
        body: req.body,
      });
      const expected = mockCredentials.service.token({
        onBehalfOf: USER,
        targetPluginId: 'kli8nt',
      });
      if (req.headers.authorization !== `Bearer ${expected}`) {
        res.status(401).json({
          error: { name: 'AuthenticationError', message: 'bad token' },
        });
        return;
      }
      next();
    });
    app.post('/api/kli8nt/deployments', (req, res) => {
      if (this.createStatus !== 202) {
        // The error body shape of Backstage backends.
        res.status(this.createStatus).json({
          error: { name: 'NotAllowedError', message: 'not allowed to deploy' },
          request: { method: req.method, url: req.url },
          response: { statusCode: this.createStatus },
        });
        return;
      }
      const at = new Date().toISOString();
      this.#deployment = {
        id: randomUUID(),
        entityRef: req.body.entityRef,
        app: 'hello',
        cluster: 'local',
        ref: req.body.ref ?? 'main',
        commitSha: 'a'.repeat(40),
        trigger: 'scaffolder',
        requestedBy: 'user:default/jane',
        status: 'queued',
        createdAt: at,
        updatedAt: at,
      };
      res.status(202).json(this.#deployment);
    });
    app.get('/api/kli8nt/deployments/:id', (req, res) => {
      if (!this.#deployment || req.params.id !== this.#deployment.id) {
        res
          .status(404)
          .json({ error: { name: 'NotFoundError', message: 'no' } });
        return;
      }
      const step =
        this.script.length > 1 ? this.script.shift()! : this.script[0];
      this.#deployment = { ...this.#deployment, ...step };
      res.json({ ...this.#deployment, events: [] });
    });
    await new Promise<void>(resolve => {
      this.#server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.#server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop() {
    await new Promise(resolve => this.#server?.close(resolve));
  }
}

describe('kli8nt:deploy', () => {
  let backend: FakeKli8ntBackend;
  let baseUrl: string;

  beforeEach(async () => {
    backend = new FakeKli8ntBackend();
    baseUrl = await backend.start();
  });
  afterEach(() => backend.stop());

  function createAction(extra?: { now?: () => number }) {
    return createKli8ntDeployAction({
      discovery: mockServices.discovery.mock({
        getBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
      }),
      auth: mockServices.auth(),
      pollIntervalMs: 1,
      sleep: async () => {},
      ...extra,
    });
  }

  function context(input: Record<string, unknown>) {
    const ctx = createMockActionContext({ input: input as any });
    ctx.getInitiatorCredentials = async () => USER;
    return ctx;
  }

  it('starts a deployment on behalf of the initiator and outputs its id', async () => {
    const ctx = context({ entityRef: ENTITY_REF, ref: 'develop' });
    await createAction().handler(ctx as any);

    expect(backend.requests).toEqual([
      {
        method: 'POST',
        path: '/api/kli8nt/deployments',
        body: { entityRef: ENTITY_REF, ref: 'develop' },
      },
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'deploymentId',
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'queued');
  });

  it('omits ref when not given, so the default branch is deployed', async () => {
    await createAction().handler(context({ entityRef: ENTITY_REF }) as any);
    expect(backend.requests[0].body).toEqual({ entityRef: ENTITY_REF });
  });

  it('waits until live and outputs the URL', async () => {
    backend.script = [
      { status: 'building' },
      { status: 'deploying' },
      {
        status: 'live',
        url: 'https://hello.apps.example.com',
        finishedAt: new Date().toISOString(),
      },
    ];
    const ctx = context({ entityRef: ENTITY_REF, waitForLive: true });
    await createAction().handler(ctx as any);

    expect(backend.requests.map(r => r.method)).toEqual([
      'POST',
      'GET',
      'GET',
      'GET',
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'https://hello.apps.example.com',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'live');
  });

  it('fails the step with the failure reason', async () => {
    backend.script = [
      { status: 'building' },
      {
        status: 'failed',
        failureReason: 'CrashLoopBackOff',
        failureMessage: 'container exited with code 1',
      },
    ];
    const ctx = context({ entityRef: ENTITY_REF, waitForLive: true });
    await expect(createAction().handler(ctx as any)).rejects.toThrow(
      /ended failed \(CrashLoopBackOff: container exited with code 1\)/,
    );
    expect(ctx.output).toHaveBeenCalledWith('deploymentId', expect.any(String));
  });

  it.each<DeploymentStatus>(['cancelled', 'superseded'])(
    'fails the step when the deployment is %s',
    async status => {
      backend.script = [{ status }];
      const ctx = context({ entityRef: ENTITY_REF, waitForLive: true });
      await expect(createAction().handler(ctx as any)).rejects.toThrow(
        `ended ${status}`,
      );
    },
  );

  it('gives up after the timeout', async () => {
    backend.script = [{ status: 'building' }];
    let t = 0;
    const ctx = context({
      entityRef: ENTITY_REF,
      waitForLive: true,
      timeoutMinutes: 1,
    });
    await expect(
      createAction({ now: () => (t += 20_000) }).handler(ctx as any),
    ).rejects.toThrow(/still building after 1 minutes/);
  });

  it('reports the backend refusing the deployment', async () => {
    backend.createStatus = 403;
    await expect(
      createAction().handler(context({ entityRef: ENTITY_REF }) as any),
    ).rejects.toThrow(/not allowed to deploy/);
  });
});
