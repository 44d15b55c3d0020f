/** Keys whose values are credentials (clone tokens, passwords, sealed secrets). */
const CREDENTIAL_KEY = /token|password|secret/i;
const CREDENTIAL_PAIR =
  /("[^"]*(?:token|password|secret)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)/gi;

export const REDACTED = '[redacted]';

const GITHUB_TOKEN =
  /\bgh[opsu]_[A-Za-z0-9_]{8,}|\bgithub_pat_[A-Za-z0-9_]{8,}/g;
const URL_CREDENTIALS = /(\/\/)[^/\s:@]+:[^/\s@]+@/g;

/**
 * Text from elsewhere (a handler's error, a broker's reason) without
 * credentials: GitHub tokens, and `user:password@` in URLs (a failed
 * `git clone` echoes its URL).
 *
 * @public
 */
export function redactText(text: string): string {
  return text
    .replace(GITHUB_TOKEN, REDACTED)
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`);
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        CREDENTIAL_KEY.test(key) ? REDACTED : redactValue(inner),
      ]),
    );
  }
  return value;
}

/**
 * The body of a message with every credential replaced by `[redacted]`, for
 * copies that outlive the work (dead letters, logs): a clone token in a
 * dead-letter queue would be readable by anyone who can read the queue.
 * A body that is not JSON is scrubbed by pattern.
 */
export function redactBody(body: string): string {
  try {
    return JSON.stringify(redactValue(JSON.parse(body)));
  } catch {
    return redactText(body.replace(CREDENTIAL_PAIR, `$1"${REDACTED}"`));
  }
}
