/*
 * The egress proxy for builds (`testenv up egress-proxy`): package
 * registries pass, everything else is refused with 403 before the proxy
 * resolves a name. The refused hosts are under `.invalid` (RFC 2606), so
 * even a broken proxy could not send a packet anywhere for them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTestEnv } from './index';

const run = promisify(execFile);
const te = readTestEnv();
if (te && !te.egressProxy && process.env.KLI8NT_TESTENV === 'required') {
  throw new Error(
    'KLI8NT_TESTENV=required but KLI8NT_TEST_EGRESS_PROXY is not set (testenv up egress-proxy)',
  );
}
const describeWithProxy = te?.egressProxy ? describe : describe.skip;

jest.setTimeout(60_000);

/** curl through the proxy: the HTTP status, or for https the CONNECT answer. */
async function through(url: string): Promise<number> {
  const { stdout } = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '--max-time',
    '30',
    '-w',
    '%{http_code} %{http_connect}',
    '--proxy',
    te!.egressProxy!,
    '--noproxy',
    '',
    url,
  ]).catch(error => ({ stdout: String(error.stdout) }));
  const [code, connect] = stdout.trim().split(' ').map(Number);
  return code || connect;
}

const proxyLog = () =>
  readFileSync(
    path.join(process.env.KLI8NT_TESTENV_RUN!, 'logs', 'egress-proxy.log'),
    'utf8',
  );

describeWithProxy('egress proxy', () => {
  it('lets a request to the npm registry through (CONNECT)', async () => {
    expect(await through('https://registry.npmjs.org/left-pad')).toBe(200);
  });

  it('refuses hosts that are not listed, by name, before resolving them', async () => {
    const before = proxyLog().length;
    expect(await through('http://refused.kli8nt.invalid/')).toBe(403);
    expect(await through('https://refused-tls.kli8nt.invalid/')).toBe(403);
    // The allow-list is anchored: a registry's name as a prefix is not it.
    expect(await through('https://registry.npmjs.org.kli8nt.invalid/')).toBe(
      403,
    );
    const log = proxyLog().slice(before);
    for (const host of [
      'refused.kli8nt.invalid',
      'refused-tls.kli8nt.invalid',
      'registry.npmjs.org.kli8nt.invalid',
    ]) {
      expect(log).toContain(`Proxying refused on filtered domain "${host}"`);
      expect(log).not.toContain(`opening connection to ${host}`);
    }
  });

  it('allows exactly the registries configured on this machine', () => {
    const allowed = readFileSync(
      process.env.KLI8NT_TEST_EGRESS_ALLOW_FILE!,
      'utf8',
    );
    expect(allowed).toContain('^registry\\.npmjs\\.org$');
    expect(
      allowed
        .split('\n')
        .filter(Boolean)
        .every(l => /^\^[a-z0-9\\.-]+\$$/.test(l)),
    ).toBe(true);
  });
});
