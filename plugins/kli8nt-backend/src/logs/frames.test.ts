import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from './frames';

describe('textFrame', () => {
  it.each([0, 125, 126, 65535, 65536, 200_000])(
    'is a text frame a WebSocket client decodes (%i bytes)',
    async size => {
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      const wss = new WebSocketServer({ noServer: true });
      const server = createServer();
      server.on('upgrade', (request, socket, head) =>
        wss.handleUpgrade(request, socket, head, () =>
          socket.write(textFrame(text)),
        ),
      );
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      const [data, isBinary] = await new Promise<[Buffer, boolean]>(r =>
        ws.on('message', (d: Buffer, binary: boolean) => r([d, binary])),
      );
      ws.terminate();
      await new Promise(r => server.close(r));
      expect(isBinary).toBe(false);
      expect(data.toString()).toBe(text);
    },
  );
});
