import {
  explainFailure,
  formatDuration,
  formatRelative,
  formatUser,
  githubCommitUrl,
  shortSha,
} from './format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42_500)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration(undefined)).toBe('');
    expect(formatDuration(-1)).toBe('');
  });

  it('formats relative times', () => {
    const now = Date.parse('2024-05-02T10:00:00Z');
    expect(formatRelative('2024-05-02T09:59:30Z', now)).toBe('just now');
    expect(formatRelative('2024-05-02T09:59:00Z', now)).toBe('1 minute ago');
    expect(formatRelative('2024-05-02T07:00:00Z', now)).toBe('3 hours ago');
    expect(formatRelative('2024-04-30T10:00:00Z', now)).toBe('2 days ago');
  });

  it('formats users, commits and links', () => {
    expect(formatUser('user:default/jane')).toBe('jane');
    expect(formatUser('jane')).toBe('jane');
    expect(shortSha('0123456789abcdef')).toBe('0123456');
    expect(githubCommitUrl('acme/hello', 'abc')).toBe(
      'https://github.com/acme/hello/commit/abc',
    );
    expect(githubCommitUrl(undefined, 'abc')).toBeUndefined();
  });

  it('explains failures in plain words', () => {
    expect(explainFailure('ImagePullBackOff', undefined)).toEqual({
      summary: 'The cluster could not pull the built image.',
      details: 'ImagePullBackOff',
    });
    expect(explainFailure('Weird', 'it broke')).toEqual({
      summary: 'it broke',
      details: 'Weird',
    });
    expect(explainFailure('Weird', undefined).summary).toBe(
      'The deployment failed (Weird).',
    );
    expect(explainFailure(undefined, undefined).summary).toMatch(/unknown/);
  });
});
