import { randomBytes } from 'node:crypto';
import { openSecret, sealingKeyId, sealSecret } from './sealing';

describe('secret sealing', () => {
  const key = randomBytes(32);
  const other = randomBytes(32).toString('base64');

  it('round-trips, including unicode and empty strings', () => {
    for (const plaintext of ['s3cr3t', '', 'ünïcødé ✓', 'x'.repeat(10000)]) {
      expect(openSecret(sealSecret(plaintext, key), [key])).toBe(plaintext);
    }
  });

  it('uses the documented format with the key id', () => {
    const sealed = sealSecret('value', key);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(sealingKeyId(key));
    expect(parts[1]).toMatch(/^[0-9a-f]{8}$/);
    for (const part of parts.slice(2)) {
      expect(part).toMatch(/^[A-Za-z0-9_-]*$/);
    }
  });

  it('uses a fresh iv each time', () => {
    expect(sealSecret('same', key)).not.toBe(sealSecret('same', key));
  });

  it('accepts hex, base64 and base64url keys as the same key', () => {
    const sealed = sealSecret('v', key.toString('hex'));
    expect(openSecret(sealed, [key.toString('base64')])).toBe('v');
    expect(openSecret(sealed, [key.toString('base64url')])).toBe('v');
  });

  it('picks the right key during rotation', () => {
    const oldSealed = sealSecret('old', other);
    const newSealed = sealSecret('new', key);
    expect(openSecret(oldSealed, [key, other])).toBe('old');
    expect(openSecret(newSealed, [key, other])).toBe('new');
  });

  it('rejects an unknown key', () => {
    expect(() => openSecret(sealSecret('v', key), [other])).toThrow(
      /No sealing key with id/,
    );
  });

  it('rejects tampering', () => {
    const [v, id, iv, tag, ct] = sealSecret('hello world', key).split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      openSecret([v, id, iv, tag, flipped.toString('base64url')].join('.'), [
        key,
      ]),
    ).toThrow(/authentication/);
    const badTag = Buffer.from(tag, 'base64url');
    badTag[0] ^= 1;
    expect(() =>
      openSecret([v, id, iv, badTag.toString('base64url'), ct].join('.'), [
        key,
      ]),
    ).toThrow(/authentication/);
  });

  it('rejects malformed values and bad keys', () => {
    expect(() => openSecret('v2.a.b.c.d', [key])).toThrow(/Malformed/);
    expect(() => openSecret('v1.a.b', [key])).toThrow(/Malformed/);
    expect(() => sealSecret('v', 'short')).toThrow(/32 bytes/);
    const id = sealingKeyId(key);
    expect(() => openSecret(`v1.${id}.AA.AA.AA`, [key])).toThrow(/length/);
  });
});
