import { createHmac, randomBytes } from 'node:crypto';

/*
 * Message ids of the status reports the controllers send to INFORM. The
 * portal's ledger stores each report once per messageId, so a report sent
 * again (by a controller restarted after publishing and before recording
 * it, or by a second replica) must carry the id of the first copy. An id
 * derived from the deployment and status alone did that, but anyone who can
 * publish to INFORM could compute it and send a forged report first, to
 * have the real one dropped as a duplicate. So each Build or App gets a
 * random key, written to its status before its first report goes out; ids
 * are an HMAC of the report under that key: the same for every copy, and
 * unknown to whoever cannot read the object.
 */

/** A fresh, random report key for one Build or App (256 bits). */
export function newReportKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The messageId of `role`'s report of `status` for `deploymentId`, under the
 * object's report key: a UUID (RFC 9562 version 8) from HMAC-SHA256.
 */
export function reportMessageId(
  reportKey: string,
  role: 'build' | 'deploy',
  deploymentId: string,
  status: string,
): string {
  if (!reportKey) {
    throw new Error(
      'A report needs the report key of its Build or App; write one to its status before publishing',
    );
  }
  const hash = createHmac('sha256', reportKey)
    .update(`kli8nt/${role}/${deploymentId.toLowerCase()}/${status}`)
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join('-');
}
