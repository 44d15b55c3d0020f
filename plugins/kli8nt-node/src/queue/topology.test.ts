import {
  backoffDelay,
  deadLetterReason,
  deliveryAttempt,
  workQueueArguments,
} from './topology';

describe('topology helpers', () => {
  it('declares quorum work queues with a delivery limit and a DLX', () => {
    expect(
      workQueueArguments({
        exchange: 'e',
        deadLetterExchange: 'dlx',
        deadLetterQueue: 'dlq',
        deliveryLimit: 4,
      }),
    ).toEqual({
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 4,
        'x-dead-letter-exchange': 'dlx',
      },
    });
  });

  it('reads dead-letter reasons from our headers or x-death', () => {
    expect(
      deadLetterReason({
        'x-kli8nt-dead-letter-reason': 'invalid message: x',
        'x-kli8nt-queue': 'build.a',
      }),
    ).toEqual({ reason: 'invalid message: x', queue: 'build.a' });
    expect(
      deadLetterReason({
        'x-death': [{ reason: 'delivery_limit', queue: 'inform' }],
      }),
    ).toEqual({ reason: 'broker: delivery_limit', queue: 'inform' });
    expect(deadLetterReason(undefined)).toEqual({
      reason: 'broker: unknown',
      queue: '',
    });
  });

  it('computes the attempt from x-delivery-count', () => {
    expect(deliveryAttempt({}, false)).toBe(1);
    expect(deliveryAttempt({}, true)).toBe(2);
    expect(deliveryAttempt({ 'x-delivery-count': 2 }, true)).toBe(3);
  });

  it('backs off exponentially with jitter and a cap', () => {
    expect(backoffDelay(0, 100, 1000, () => 0.5)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(800);
    expect(backoffDelay(10, 100, 1000, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, 100, 1000, () => 0)).toBe(80);
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(120);
  });
});
