import https from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

/** What the test ingress answered, and the certificate it presented. */
export interface IngressAnswer {
  status: number;
  body: string;
  cert: PeerCertificate;
}

/**
 * GET https://<host><path> at the ingress address (`ip:port`, e.g.
 * KLI8NT_TEST_INGRESS) with SNI and Host set to `host` and the certificate
 * verified against `ca` — no DNS lookup, nothing leaves the test world.
 * Rejects when the connection or the TLS handshake fails.
 */
export function getThroughIngress(
  ingress: string,
  host: string,
  ca: string | Buffer,
  path = '/',
): Promise<IngressAnswer> {
  const [ip, port] = ingress.split(':');
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: ip,
        port: Number(port),
        path,
        servername: host,
        headers: { Host: host },
        ca,
        agent: false,
        timeout: 10_000,
      },
      res => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, cert }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
