import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
} from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A 32-byte AES-256 key, as raw bytes or as a base64/base64url/hex string.
 *
 * @public
 */
export type SealingKey = Buffer | string;

function keyBytes(key: SealingKey): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(key)) {
    bytes = key;
  } else if (/^[0-9a-fA-F]{64}$/.test(key)) {
    bytes = Buffer.from(key, 'hex');
  } else {
    bytes = Buffer.from(key, 'base64');
  }
  if (bytes.length !== KEY_BYTES) {
    throw new Error(
      `A sealing key must be ${KEY_BYTES} bytes (base64 or hex), got ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * The key id embedded in sealed values: the first 8 hex digits of
 * sha256(key), so several keys can be tried during a rotation.
 *
 * @public
 */
export function sealingKeyId(key: SealingKey): string {
  return createHash('sha256').update(keyBytes(key)).digest('hex').slice(0, 8);
}

/**
 * Encrypts a secret with AES-256-GCM into
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). A `context`
 * (authenticated, not stored) binds the value to its use: it opens only
 * with the same context, so it cannot be copied into another message.
 *
 * @public
 */
export function sealSecret(
  plaintext: string,
  key: SealingKey,
  context?: string,
): string {
  const bytes = keyBytes(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', bytes, iv);
  if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
  ]);
  return [
    VERSION,
    sealingKeyId(bytes),
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/**
 * Decrypts a value made by {@link sealSecret} with whichever of `keys` has
 * its key id and the same `context`. Throws on an unknown key, a malformed
 * value, tampering or another context.
 *
 * @public
 */
export function openSecret(
  sealed: string,
  keys: SealingKey[],
  context?: string,
): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new Error(
      'Malformed sealed value: expected v1.<keyId>.<iv>.<tag>.<ciphertext>',
    );
  }
  const [, keyId, iv, tag, ciphertext] = parts;
  const key = keys.map(keyBytes).find(k => sealingKeyId(k) === keyId);
  if (!key) {
    throw new Error(`No sealing key with id ${keyId}`);
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw new Error('Malformed sealed value: bad iv or tag length');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
  decipher.setAuthTag(tagBytes);
  if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new Error('Sealed value failed authentication', { cause: error });
  }
}
