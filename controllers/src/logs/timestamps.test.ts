import {
  normalizeTimestamp,
  sinceTimeOf,
  timestampFromMs,
  timestampMs,
} from './timestamps';

describe('normalizeTimestamp', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000000000Z'],
    ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500000000Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123456789Z'],
    ['2024-05-01T10:00:00.1234Z', '2024-05-01T10:00:00.123400000Z'],
    ['2024-05-01t10:00:00z', '2024-05-01T10:00:00.000000000Z'],
    ['2024-05-01T12:30:00.25+02:30', '2024-05-01T10:00:00.250000000Z'],
    ['2024-05-01T00:00:01-01:00', '2024-05-01T01:00:01.000000000Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each([
    '',
    'hello',
    '2024-05-01 10:00:00Z',
    '2024-05-01T10:00:00',
    '2024-05-01T10:00:00.1234567890Z',
    '2024-13-01T10:00:00Z',
    '2024-05-01T10:00:00.Z',
  ])('rejects %j', input => {
    expect(normalizeTimestamp(input)).toBeUndefined();
  });

  it('orders normalised timestamps as strings in time order', () => {
    const spelled = [
      '2024-05-01T10:00:00.9Z',
      '2024-05-01T10:00:00.10Z',
      '2024-05-01T10:00:00.000000011Z',
      '2024-05-01T10:00:01Z',
    ].map(t => normalizeTimestamp(t)!);
    expect([...spelled].sort()).toEqual([
      spelled[2],
      spelled[1],
      spelled[0],
      spelled[3],
    ]);
  });
});

describe('sinceTimeOf / timestampMs / timestampFromMs', () => {
  it('rounds down to the second for the API server', () => {
    expect(sinceTimeOf('2024-05-01T10:00:07.999999999Z')).toBe(
      '2024-05-01T10:00:07Z',
    );
  });

  it('converts to and from milliseconds', () => {
    const ts = '2024-05-01T10:00:07.123456789Z';
    expect(timestampMs(ts)).toBe(Date.parse('2024-05-01T10:00:07.123Z'));
    expect(timestampFromMs(timestampMs(ts))).toBe(
      '2024-05-01T10:00:07.123000000Z',
    );
  });
});
