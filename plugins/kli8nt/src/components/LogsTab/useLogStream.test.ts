import { act, renderHook, waitFor } from '@testing-library/react';
import { FakeKli8ntApi, ENTITY_REF } from '../../__testUtils__/FakeKli8ntApi';
import { FakeLogServer } from '../../__testUtils__/FakeLogServer';
import { useLogStream } from './useLogStream';

jest.setTimeout(20_000);

describe('useLogStream', () => {
  let server: FakeLogServer;
  let api: FakeKli8ntApi;

  beforeEach(async () => {
    server = new FakeLogServer();
    api = new FakeKli8ntApi();
    api.logStreamUrl = await server.start();
  });
  afterEach(() => server.stop());

  function render(options: { deploymentId?: string; tail?: number } = {}) {
    return renderHook(() =>
      useLogStream(api, {
        entityRef: ENTITY_REF,
        flushIntervalMs: 5,
        initialBackoffMs: 20,
        maxBackoffMs: 50,
        ...options,
      }),
    );
  }

  const texts = (r: { current: { lines: { line: string }[] } }) =>
    r.current.lines.map(l => l.line);

  it('replays the tail, then follows live lines', async () => {
    for (let i = 0; i < 5; i++) server.push();
    const { result, unmount } = render({ tail: 3 });

    // The lines array fills in place; the rendered state (status, version)
    // follows with the next render.
    await waitFor(() =>
      expect(result.current).toMatchObject({ status: 'live', version: 3 }),
    );
    expect(texts(result)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(server.connections[0].query.get('tail')).toBe('3');
    expect(server.connections[0].query.get('entityRef')).toBe(ENTITY_REF);
    expect(server.connections[0].protocol).toBe('kli8nt.token.test');

    act(() => {
      server.push();
    });
    await waitFor(() => expect(texts(result)).toHaveLength(4));
    expect(texts(result)[3]).toBe('line 5');
    unmount();
  });

  it('asks for one deployment', async () => {
    const { result, unmount } = render({
      deploymentId: '00000000-0000-4000-8000-00000000abcd',
    });
    await waitFor(() => expect(result.current.status).toBe('live'));
    expect(server.connections[0].query.get('deploymentId')).toBe(
      '00000000-0000-4000-8000-00000000abcd',
    );
    unmount();
  });

  it('reconnects after a dropped connection and resumes by offset without loss or duplicates', async () => {
    for (let i = 0; i < 3; i++) server.push();
    const { result, unmount } = render();
    await waitFor(() => expect(texts(result)).toHaveLength(3));

    server.dropConnections();
    // Written while the client was away.
    server.push();
    server.push();
    await waitFor(() => expect(texts(result)).toHaveLength(5));
    await waitFor(() => expect(server.openConnections).toBe(1));
    expect(server.connections[1].query.get('cursor')).toBe('0:3');
    expect(server.connections[1].query.get('tail')).toBeNull();

    server.push();
    await waitFor(() => expect(texts(result)).toHaveLength(6));
    expect(texts(result)).toEqual([0, 1, 2, 3, 4, 5].map(i => `line ${i}`));
    unmount();
  });

  it('falls back to a de-duplicated tail replay when the server refuses the resume point', async () => {
    server.supportsResume = false;
    for (let i = 0; i < 3; i++) server.push();
    const { result, unmount } = render();
    await waitFor(() => expect(texts(result)).toHaveLength(3));

    server.dropConnections();
    server.push();
    await waitFor(() => expect(texts(result)).toHaveLength(4));
    expect(texts(result)).toEqual([0, 1, 2, 3].map(i => `line ${i}`));
    // The cursor is refused with 4400, then a tail replay.
    expect(server.connections.map(c => c.query.has('cursor'))).toEqual([
      false,
      true,
      false,
    ]);
    unmount();
  });

  it('closes the socket on unmount', async () => {
    const { result, unmount } = render();
    await waitFor(() => expect(result.current.status).toBe('live'));
    unmount();
    await waitFor(() => expect(server.openConnections).toBe(0));
  });
});
