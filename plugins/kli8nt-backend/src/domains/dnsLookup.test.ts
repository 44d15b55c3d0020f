import { DnsServer, startDnsServer } from './__testUtils__/dnsServer';
import { dnsTxtLookup } from './dnsLookup';

let dns: DnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(() => dns.close());

describe('dnsTxtLookup against a real DNS server', () => {
  const lookup = () =>
    dnsTxtLookup({ servers: [dns.address], timeoutMs: 2000 });

  it('returns the TXT values of a name, long ones joined from their chunks', async () => {
    const long = `kli8nt-verification=${'x'.repeat(300)}`;
    dns.zone.set('_kli8nt-challenge.shop.example.com', ['other', long]);
    await expect(
      lookup()('_kli8nt-challenge.shop.example.com'),
    ).resolves.toEqual({ kind: 'records', values: ['other', long] });
    expect(dns.queries).toContain('_kli8nt-challenge.shop.example.com');
  });

  it('tells a missing name from a failing server', async () => {
    await expect(
      lookup()('_kli8nt-challenge.nowhere.example.com'),
    ).resolves.toEqual({
      kind: 'none',
    });
    dns.zone.set('_kli8nt-challenge.broken.example.com', 'servfail');
    await expect(
      lookup()('_kli8nt-challenge.broken.example.com'),
    ).resolves.toEqual({ kind: 'failed', error: 'ESERVFAIL' });
  });

  it('reports a server that does not answer as failed', async () => {
    const silent = await startDnsServer();
    await silent.close(); // nothing listens on its port any more
    const answer = await dnsTxtLookup({
      servers: [silent.address],
      timeoutMs: 200,
    })('_kli8nt-challenge.shop.example.com');
    expect(answer.kind).toBe('failed');
  });
});
