import { redactBody, redactText } from './redact';

describe('redactBody', () => {
  it('replaces credentials at any depth and keeps everything else', () => {
    const body = JSON.stringify({
      messageId: 'm',
      payload: {
        app: 'shop',
        cloneToken: 'ghs_secret1',
        repo: { cloneUrl: 'https://github.com/a/b', password: 'pw' },
        secretEnv: { API_KEY: 'sealed' },
        list: [{ accessToken: 't' }],
      },
    });
    const redacted = redactBody(body);
    expect(JSON.parse(redacted)).toEqual({
      messageId: 'm',
      payload: {
        app: 'shop',
        cloneToken: '[redacted]',
        repo: { cloneUrl: 'https://github.com/a/b', password: '[redacted]' },
        secretEnv: '[redacted]',
        list: [{ accessToken: '[redacted]' }],
      },
    });
  });

  it('scrubs a body that is not JSON by pattern', () => {
    const redacted = redactBody('{"cloneToken": "ghs_abc", "n": 1, "x');
    expect(redacted).not.toContain('ghs_abc');
    expect(redacted).toContain('"n": 1');
  });

  it('removes GitHub tokens and URL credentials from text and string values', () => {
    expect(
      redactText(
        'clone of https://x-access-token:ghs_abcdefghij12@github.com/a/b.git failed; token ghp_abcdefghijkl',
      ),
    ).toBe(
      'clone of https://[redacted]@github.com/a/b.git failed; token [redacted]',
    );
    expect(
      JSON.parse(
        redactBody(JSON.stringify({ url: 'https://u:p@host/x', n: 'ok' })),
      ),
    ).toEqual({ url: 'https://[redacted]@host/x', n: 'ok' });
  });
});
