import { Receiver } from 'ws';
import { textFrame } from './frames';

describe('textFrame', () => {
  it.each([0, 125, 126, 65535, 65536, 200_000])(
    'is a text frame a WebSocket client decodes (%i bytes)',
    async size => {
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      const receiver = new Receiver({ isServer: false });
      const got = new Promise<[Buffer, boolean]>(resolve =>
        receiver.on('message', (data, isBinary) => resolve([data, isBinary])),
      );
      receiver.write(textFrame(text));
      const [data, isBinary] = await got;
      expect(isBinary).toBe(false);
      expect(data.toString()).toBe(text);
    },
  );
});
