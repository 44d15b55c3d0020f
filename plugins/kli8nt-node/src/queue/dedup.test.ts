import { InMemoryDedupStore, withDeduplication } from './dedup';
import { Delivery } from './types';

const delivery = (messageId: string): Delivery => ({
  queue: 'q',
  messageId,
  attempt: 1,
  redelivered: false,
});

describe('withDeduplication', () => {
  it('runs each id once after success', async () => {
    const seen: string[] = [];
    const handler = withDeduplication<{ messageId: string }>(async m => {
      seen.push(m.messageId);
    });
    await handler({ messageId: 'a' }, delivery('a'));
    await handler({ messageId: 'a' }, delivery('a'));
    await handler({ messageId: 'b' }, delivery('b'));
    expect(seen).toEqual(['a', 'b']);
  });

  it('retries an id whose handler failed', async () => {
    let calls = 0;
    const handler = withDeduplication<{ messageId: string }>(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });
    await expect(handler({ messageId: 'a' }, delivery('a'))).rejects.toThrow(
      'boom',
    );
    await handler({ messageId: 'a' }, delivery('a'));
    await handler({ messageId: 'a' }, delivery('a'));
    expect(calls).toBe(2);
  });

  it('serializes concurrent deliveries of one id', async () => {
    let running = 0;
    let calls = 0;
    const handler = withDeduplication<{ messageId: string }>(async () => {
      running++;
      calls++;
      expect(running).toBe(1);
      await new Promise(r => setTimeout(r, 10));
      running--;
    });
    await Promise.all([
      handler({ messageId: 'a' }, delivery('a')),
      handler({ messageId: 'a' }, delivery('a')),
    ]);
    expect(calls).toBe(1);
  });
});

describe('InMemoryDedupStore', () => {
  it('forgets the oldest ids beyond maxEntries', async () => {
    const store = new InMemoryDedupStore({ maxEntries: 2 });
    await store.add('a');
    await store.add('b');
    await store.add('c');
    expect(await store.has('a')).toBe(false);
    expect(await store.has('b')).toBe(true);
    expect(await store.has('c')).toBe(true);
  });
});
