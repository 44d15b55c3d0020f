import { createSocket } from 'node:dgram';
import { AddressInfo } from 'node:net';

/*
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, random port) that
 * answers TXT queries from a zone the test edits, so the resolver under
 * test speaks real DNS: a name in the zone gets its TXT records (values
 * longer than 255 bytes split into chunks, as real servers do), 'servfail'
 * a SERVFAIL, other names NXDOMAIN.
 */

const TXT = 16;

export interface DnsServer {
  /** `127.0.0.1:<port>`, for `kli8nt.domains.dnsServers`. */
  address: string;
  zone: Map<string, string[] | 'servfail'>;
  /** Names asked so far, lowercase. */
  queries: string[];
  close(): Promise<void>;
}

function questionEnd(msg: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (msg[at] !== 0) {
    labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString('latin1'));
    at += msg[at] + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 5 }; // 0, type, class
}

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

function answer(
  query: Buffer,
  zone: DnsServer['zone'],
  name: string,
  end: number,
) {
  const type = query.readUInt16BE(end - 4);
  const entry = zone.get(name);
  let rcode = entry ? 0 : 3; // NXDOMAIN
  if (entry === 'servfail') rcode = 2;
  const values = Array.isArray(entry) && type === TXT ? entry : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const records = values.map(value => {
    const rdata = txtRdata(value);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the question's name
    rr.writeUInt16BE(TXT, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, end), ...records]);
}

export async function startDnsServer(): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const zone: DnsServer['zone'] = new Map();
  const queries: string[] = [];
  socket.on('message', (msg, peer) => {
    const { name, end } = questionEnd(msg);
    queries.push(name);
    socket.send(answer(msg, zone, name, end), peer.port, peer.address);
  });
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    zone,
    queries,
    close: () => new Promise(resolve => socket.close(() => resolve())),
  };
}
