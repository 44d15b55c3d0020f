import { queueLogger } from './queueRole';

describe('queueLogger', () => {
  it('passes fields through and wraps an Error', () => {
    const lines: Array<[string, unknown]> = [];
    const logger = {
      info: (m: string, f?: unknown) => lines.push([m, f]),
      warn: (m: string, f?: unknown) => lines.push([m, f]),
      error: (m: string, f?: unknown) => lines.push([m, f]),
      child: () => logger,
    };
    const error = new Error('boom');
    queueLogger(logger).info('a', { x: 1 });
    queueLogger(logger).error('b', error);
    expect(lines).toEqual([
      ['a', { x: 1 }],
      ['b', { error }],
    ]);
  });
});
