import { startHealthServer } from './health';

describe('startHealthServer', () => {
  it('answers the probes from the checks, 503 with the reason when not ok', async () => {
    let connected = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      livez: () => ({ ok: true }),
      readyz: () =>
        connected
          ? { ok: true }
          : { ok: false, reason: 'RabbitMQ disconnected' },
    });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return [res.status, await res.text()];
    };
    try {
      expect(await get('/readyz')).toEqual([200, '{"ok":true}']);
      connected = false;
      expect(await get('/readyz')).toEqual([
        503,
        '{"ok":false,"reason":"RabbitMQ disconnected"}',
      ]);
      expect(await get('/livez')).toEqual([200, '{"ok":true}']);
      expect((await get('/other'))[0]).toBe(404);
    } finally {
      await server.close();
    }
  });
});
