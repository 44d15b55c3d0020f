import {
  backoffDelay,
  deadLetterReason,
  deliveryAttempt,
  nominalDelay,
  retryQueueArguments,
  retryQueueName,
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

  it('adds the attempts of earlier delayed retries', () => {
    expect(deliveryAttempt({ 'x-kli8nt-attempts': 2 }, false)).toBe(3);
    expect(
      deliveryAttempt({ 'x-kli8nt-attempts': 2, 'x-delivery-count': 1 }, true),
    ).toBe(4);
    expect(deliveryAttempt({ 'x-kli8nt-attempts': 'x' }, false)).toBe(1);
  });

  it('names one retry queue per nominal delay and routes it back', () => {
    expect(nominalDelay(1, 2000, 60_000)).toBe(2000);
    expect(nominalDelay(3, 2000, 60_000)).toBe(8000);
    expect(nominalDelay(9, 2000, 60_000)).toBe(60_000);
    expect(retryQueueName('build.a', 8000)).toBe('build.a.retry.8000');
    expect(retryQueueArguments({ exchange: 'e' }, 'build.a')).toEqual({
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'e',
        'x-dead-letter-routing-key': 'build.a',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  });

  it('backs off exponentially with jitter and a cap', () => {
    expect(backoffDelay(0, 100, 1000, () => 0.5)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(800);
    expect(backoffDelay(10, 100, 1000, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, 100, 1000, () => 0)).toBe(80);
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(120);
  });
});
