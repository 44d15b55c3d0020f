import { MessageParser } from '../queue/types';

export type TestMessage = { messageId: string; n: number };

export const testParser: MessageParser<TestMessage> = raw => {
  const r = raw as Partial<TestMessage>;
  if (typeof r?.messageId !== 'string') {
    return { ok: false, error: 'messageId: Required' };
  }
  if (typeof r.n !== 'number') {
    return { ok: false, error: 'n: Expected number' };
  }
  return { ok: true, message: { messageId: r.messageId, n: r.n } };
};
