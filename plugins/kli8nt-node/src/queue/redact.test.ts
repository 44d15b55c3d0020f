import { redactBody } from './redact';

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
});
