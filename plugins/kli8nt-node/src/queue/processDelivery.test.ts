import { TerminalError } from './errors';
import { processDelivery } from './processDelivery';
import { MessageParser } from './types';

type Msg = { messageId: string; n: number };
const parser: MessageParser<Msg> = raw => {
  const r = raw as Partial<Msg>;
  if (typeof r?.messageId !== 'string') {
    return { ok: false, error: 'messageId: Required' };
  }
  if (typeof r.n !== 'number')
    return { ok: false, error: 'n: Expected number' };
  return { ok: true, message: r as Msg };
};

const base = {
  queue: 'q',
  deliveryLimit: 3,
  retry: { initialDelayMs: 1000, maxDelayMs: 3000 },
  parser,
  attempt: 1,
};

describe('processDelivery', () => {
  it('acks after the handler resolves', async () => {
    const handler = jest.fn(async () => {});
    const outcome = await processDelivery({
      ...base,
      body: JSON.stringify({ messageId: 'm', n: 1 }),
      handler,
    });
    expect(outcome).toEqual({ action: 'ack' });
    expect(handler).toHaveBeenCalledWith(
      { messageId: 'm', n: 1 },
      { queue: 'q', messageId: 'm', attempt: 1, redelivered: false },
    );
  });

  it('dead-letters invalid JSON and invalid messages without calling the handler', async () => {
    const handler = jest.fn(async () => {});
    expect(
      await processDelivery({ ...base, body: '{nope', handler }),
    ).toMatchObject({
      action: 'dead-letter',
      reason: expect.stringMatching(/invalid JSON/),
    });
    expect(
      await processDelivery({
        ...base,
        body: JSON.stringify({ messageId: 'm' }),
        handler,
      }),
    ).toEqual({
      action: 'dead-letter',
      reason: 'invalid message: n: Expected number',
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('retries a failing handler, then dead-letters at the limit', async () => {
    const handler = async () => {
      throw new Error('boom');
    };
    const body = JSON.stringify({ messageId: 'm', n: 1 });
    const first = await processDelivery({ ...base, body, handler });
    expect(first).toMatchObject({ action: 'retry', error: new Error('boom') });
    const second = await processDelivery({
      ...base,
      attempt: 2,
      body,
      handler,
    });
    // 1 s then 2 s, each ±20% jitter
    expect((first as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(800);
    expect((first as { delayMs: number }).delayMs).toBeLessThanOrEqual(1200);
    expect((second as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(
      1600,
    );
    expect((second as { delayMs: number }).delayMs).toBeLessThanOrEqual(2400);
    expect(
      await processDelivery({ ...base, attempt: 3, body, handler }),
    ).toEqual({
      action: 'dead-letter',
      reason: 'handler failed on attempt 3 of 3: boom',
    });
  });

  it('dead-letters a TerminalError at once, with its reason', async () => {
    const handler = async () => {
      throw new TerminalError('no stack detected');
    };
    const body = JSON.stringify({ messageId: 'm', n: 1 });
    expect(await processDelivery({ ...base, body, handler })).toEqual({
      action: 'dead-letter',
      reason: 'handler refused on attempt 1: no stack detected',
    });
  });
});
