import { main } from './main';

/* Start-up up to the configuration: what an operator sees on a bad setting. */

function captureStdout() {
  const lines: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  return { lines, restore: () => spy.mockRestore() };
}

describe('kli8nt-controller start-up', () => {
  it('exits with EX_CONFIG and logs every problem by variable', async () => {
    const out = captureStdout();
    let code: number;
    try {
      code = await main(['deploy'], {
        KLI8NT_CLUSTER: 'prod',
        KLI8NT_APPS_DOMAIN: 'x_y',
        KLI8NT_AMQP_URL: 'http://kli8nt:s3cret@rabbit',
      });
    } finally {
      out.restore();
    }
    expect(code).toBe(78);
    expect(out.lines).toHaveLength(1);
    const entry = JSON.parse(out.lines[0]);
    expect(entry).toMatchObject({
      level: 'error',
      msg: 'invalid configuration',
      role: 'deploy',
      problems: [
        'KLI8NT_AMQP_URL: expected an amqp(s) URL such as amqps://user:password@rabbitmq:5671/vhost (the value is not shown)',
        'KLI8NT_APPS_DOMAIN: expected a DNS name such as apps.example.com, got "x_y"',
        'KLI8NT_TLS_CLUSTER_ISSUER: is required with KLI8NT_TLS_MODE=cert-manager',
      ],
    });
    expect(out.lines[0]).not.toContain('s3cret');
  });
});
