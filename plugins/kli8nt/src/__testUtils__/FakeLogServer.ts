import type { AddressInfo } from 'node:net';
import type { LogLine } from '@kli8nt/backstage-plugin-kli8nt-common';
import { loadNodeWs } from './nodeWs';

type Server = InstanceType<ReturnType<typeof loadNodeWs>['WebSocketServer']>;
type Socket = InstanceType<ReturnType<typeof loadNodeWs>['WebSocket']>;

type Frame = LogLine & { type: 'line'; cursor: string };

/**
 * A real WebSocket server that speaks the backend's logs protocol: it
 * replays a tail, or everything after `cursor` / `offset`, then pushes live
 * lines. Each line frame carries the cursor to resume after it.
 */
export class FakeLogServer {
  readonly lines: Frame[] = [];
  readonly connections: { query: URLSearchParams; protocol?: string }[] = [];
  /** Refuse resume positions (like an expired cursor) with 4400. */
  supportsResume = true;
  /** Close every new connection with this code instead of serving it. */
  refuseWith?: { code: number; reason: string };
  #server?: Server;
  #sockets = new Set<Socket>();

  async start(): Promise<string> {
    const { WebSocketServer } = loadNodeWs();
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.#server = server;
    await new Promise<void>(resolve => server.on('listening', () => resolve()));
    server.on('connection', (socket, req) => {
      const query = new URL(req.url ?? '/', 'ws://x').searchParams;
      this.connections.push({
        query,
        protocol: req.headers['sec-websocket-protocol'] as string | undefined,
      });
      if (this.refuseWith) {
        socket.close(this.refuseWith.code, this.refuseWith.reason);
        return;
      }
      const cursor = query.get('cursor');
      const offset = query.get('offset');
      if ((cursor !== null || offset !== null) && !this.supportsResume) {
        socket.close(4400, 'invalid_request');
        return;
      }
      // A cursor `0:N` names the next offset to read; `offset` the last read.
      let from: bigint | undefined;
      if (cursor !== null) from = BigInt(cursor.split(':')[1]);
      else if (offset !== null) from = BigInt(offset) + 1n;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      const tail = Number(query.get('tail') ?? 1000);
      const replay =
        from !== undefined
          ? this.lines.filter(l => BigInt(l.offset) >= from!)
          : this.lines.slice(Math.max(0, this.lines.length - tail));
      for (const line of replay) socket.send(JSON.stringify(line));
    });
    const { port } = server.address() as AddressInfo;
    return `ws://127.0.0.1:${port}/api/kli8nt/logs/stream`;
  }

  /** Appends a line and sends it to connected clients. */
  push(partial: Partial<LogLine> = {}): Frame {
    const line: Frame = {
      type: 'line',
      offset: String(this.lines.length),
      partition: 0,
      cursor: `0:${this.lines.length + 1}`,
      timestamp: new Date(
        Date.UTC(2024, 4, 1, 10, 0, this.lines.length % 60),
      ).toISOString(),
      source: 'runtime',
      pod: 'hello-abc',
      container: 'app',
      line: `line ${this.lines.length}`,
      ...partial,
    };
    this.lines.push(line);
    for (const socket of this.#sockets) socket.send(JSON.stringify(line));
    return line;
  }

  sendRaw(frame: unknown) {
    for (const socket of this.#sockets) socket.send(JSON.stringify(frame));
  }

  /** Drops every connection abruptly, like a network failure. */
  dropConnections() {
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
  }

  get openConnections(): number {
    return this.#sockets.size;
  }

  async stop() {
    this.dropConnections();
    await new Promise(resolve => this.#server?.close(resolve));
  }
}
