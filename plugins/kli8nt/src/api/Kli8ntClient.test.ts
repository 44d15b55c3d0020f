import { Kli8ntClient } from './Kli8ntClient';

function setup(respond: (url: string, init: RequestInit) => Response) {
  const requests: { url: string; init: RequestInit }[] = [];
  const client = new Kli8ntClient({
    discoveryApi: {
      getBaseUrl: async (id: string) =>
        `https://backstage.example.com/api/${id}`,
    },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        requests.push({ url, init });
        return respond(url, init);
      }) as any,
    },
    identityApi: { getCredentials: async () => ({ token: 'tok' }) },
  });
  return { client, requests };
}

const json = (body: unknown, status = 200) =>
  ({
    ok: status < 400,
    status,
    statusText: status < 400 ? 'OK' : 'Forbidden',
    json: async () => body,
    text: async () => JSON.stringify(body),
    headers: new Map([['content-type', 'application/json']]),
  } as unknown as Response);

describe('Kli8ntClient', () => {
  it('lists deployments with query parameters', async () => {
    const { client, requests } = setup(() => json({ items: [] }));
    await client.listDeployments({
      entityRef: 'component:default/a b',
      cursor: 'c1',
      limit: 10,
    });
    expect(requests[0].url).toBe(
      'https://backstage.example.com/api/kli8nt/deployments?entityRef=component%3Adefault%2Fa+b&cursor=c1&limit=10',
    );
    expect(requests[0].init.method).toBe('GET');
  });

  it('creates, redeploys, rolls back and cancels', async () => {
    const { client, requests } = setup(() => json({ id: 'd' }, 202));
    await client.createDeployment({
      entityRef: 'component:default/a',
      ref: 'main',
    });
    await client.createDeployment({ entityRef: 'component:default/a' });
    await client.redeploy('d1');
    await client.rollback('d1');
    await client.cancel('d1');
    expect(
      requests.map(r => [
        r.init.method,
        r.url.split('/api/kli8nt')[1],
        r.init.body,
      ]),
    ).toEqual([
      [
        'POST',
        '/deployments',
        '{"entityRef":"component:default/a","ref":"main"}',
      ],
      ['POST', '/deployments', '{"entityRef":"component:default/a"}'],
      ['POST', '/deployments/d1/redeploy', '{"reason":"redeploy"}'],
      ['POST', '/deployments/d1/redeploy', '{"reason":"rollback"}'],
      ['POST', '/deployments/d1/cancel', '{}'],
    ]);
    expect(requests[0].init.headers).toEqual({
      'Content-Type': 'application/json',
    });
  });

  it('verifies the custom domains and answers their states', async () => {
    const items = [{ domain: 'a.example.com', status: 'verified' }];
    const { client, requests } = setup(() => json({ items }));
    await expect(client.verifyDomains('component:default/a')).resolves.toEqual(
      items,
    );
    expect(requests[0].init.method).toBe('POST');
    expect(requests[0].url).toBe(
      'https://backstage.example.com/api/kli8nt/apps/domains/verify?entityRef=component%3Adefault%2Fa',
    );
  });

  it('merges a deployment with its events', async () => {
    const { client } = setup(() =>
      json({ id: 'd1', status: 'building', events: [{ status: 'building' }] }),
    );
    expect(await client.getDeployment('d1')).toEqual({
      id: 'd1',
      status: 'building',
      events: [{ status: 'building' }],
    });
  });

  it('reads and writes settings, branches and deletes apps', async () => {
    const { client, requests } = setup(url =>
      url.includes('/branches')
        ? json({ items: [{ name: 'main' }] })
        : json({}),
    );
    await client.getAppSettings('component:default/a');
    await client.updateAppSettings('component:default/a', { port: 3000 });
    expect(await client.listBranches('component:default/a')).toEqual([
      { name: 'main' },
    ]);
    await client.deleteApp('component:default/a');
    expect(
      requests.map(r => [r.init.method, r.url.split('/api/kli8nt')[1]]),
    ).toEqual([
      ['GET', '/apps/settings?entityRef=component%3Adefault%2Fa'],
      ['PUT', '/apps/settings?entityRef=component%3Adefault%2Fa'],
      ['GET', '/branches?entityRef=component%3Adefault%2Fa'],
      ['DELETE', '/apps?entityRef=component%3Adefault%2Fa'],
    ]);
    expect(requests[1].init.body).toBe('{"port":3000}');
  });

  it('throws the backend error', async () => {
    const { client } = setup(() =>
      json(
        {
          error: { name: 'NotAllowedError', message: 'nope' },
          request: { method: 'POST', url: '/deployments' },
          response: { statusCode: 403 },
        },
        403,
      ),
    );
    await expect(
      client.createDeployment({ entityRef: 'component:default/a' }),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      message: 'nope',
      cause: { message: 'nope' },
    });
  });

  it('sends the settings version and throws a stale save as a 409', async () => {
    const { client, requests } = setup(() =>
      json(
        {
          error: { name: 'ConflictError', message: 'saved by someone else' },
          request: { method: 'PUT', url: '/apps/settings' },
          response: { statusCode: 409 },
        },
        409,
      ),
    );
    await expect(
      client.updateAppSettings('component:default/a', {
        version: 3,
        port: 3000,
      }),
    ).rejects.toMatchObject({
      message: 'saved by someone else',
      // What useSettingsForm reads as a conflict.
      response: { status: 409 },
    });
    expect(requests[0].init.body).toBe('{"version":3,"port":3000}');
  });

  it('builds the logs WebSocket URL with the token as subprotocol', async () => {
    const { client } = setup(() => json({}));
    expect(
      await client.getLogStreamTarget({
        entityRef: 'component:default/a',
        deploymentId: 'd1',
        cursor: '0:42',
      }),
    ).toEqual({
      url: 'wss://backstage.example.com/api/kli8nt/logs/stream?entityRef=component%3Adefault%2Fa&deploymentId=d1&cursor=0%3A42',
      protocols: ['kli8nt.token.tok'],
    });
  });
});
