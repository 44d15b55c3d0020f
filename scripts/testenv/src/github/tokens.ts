/*
 * Credentials as GitHub checks them: a personal access token that reads
 * every repository, GitHub App JWTs (RS256, signed with the app's private
 * key) that may mint installation tokens, and installation tokens that
 * expire, read only their account's repositories (or the ones they were
 * scoped to) and write only with the permissions they were granted (all of
 * the installation's unless the request narrowed them). Tokens are kept as
 * SHA-256 digests, so neither memory dumps nor the state file hold one.
 */
import crypto from 'node:crypto';

export type Grant =
  | { kind: 'pat' }
  | { kind: 'app'; appId: string }
  | {
      kind: 'installation';
      installationId: number;
      account: string;
      /** Repository names, when the token was scoped to some. */
      repositories?: string[];
      /** Permission → `read` | `write`, when the token was narrowed. */
      permissions?: Record<string, string>;
      expiresAt: number;
    };

/** What an Authorization header carried; `invalid` is a token we do not know. */
export type Caller = Grant | { kind: 'anonymous' } | { kind: 'invalid' };

export interface StoredToken {
  digest: string;
  installationId: number;
  account: string;
  repositories?: string[];
  permissions?: Record<string, string>;
  expiresAt: number;
}

export interface TokenOptions {
  pat?: string;
  app?: { id: string; privateKeyPem: string };
  /** Lifetime of installation tokens; GitHub's is one hour. */
  ttlSeconds?: number;
  now?: () => number;
  /** Tokens minted before a restart (from the state file). */
  stored?: StoredToken[];
  onChange?: (tokens: StoredToken[]) => void;
}

const digest = (token: string) =>
  crypto.createHash('sha256').update(token).digest('hex');

/** Constant-time, so a test of the fake cannot be a timing oracle either. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(digest(a));
  const y = Buffer.from(digest(b));
  return crypto.timingSafeEqual(x, y);
}

/** The token of `Authorization: Basic|token|bearer …`, or undefined. */
export function tokenFromAuthorization(
  header: string | undefined,
): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^basic$/i.test(scheme)) {
    // git sends user:password; GitHub takes the token as the password of
    // any user (x-access-token) or as the user with an empty password.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return decoded || undefined;
    return decoded.slice(colon + 1) || decoded.slice(0, colon) || undefined;
  }
  if (/^(token|bearer)$/i.test(scheme)) return value || undefined;
  return undefined;
}

export class TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  private readonly publicKey?: crypto.KeyObject;
  readonly now: () => number;

  constructor(private readonly options: TokenOptions = {}) {
    this.now = options.now ?? Date.now;
    for (const t of options.stored ?? []) this.tokens.set(t.digest, t);
    if (options.app) {
      this.publicKey = crypto.createPublicKey(options.app.privateKeyPem);
    }
  }

  get appId(): string | undefined {
    return this.options.app?.id;
  }

  /** `POST /app/installations/:id/access_tokens` */
  mint(
    installationId: number,
    account: string,
    repositories?: string[],
    permissions?: Record<string, string>,
  ) {
    const token = `ghs_${crypto.randomBytes(27).toString('base64url')}`;
    const ttl = (this.options.ttlSeconds ?? 3600) * 1000;
    // Whole seconds: GitHub's expires_at has no fraction.
    const expiresAt = Math.floor((this.now() + ttl) / 1000) * 1000;
    this.expire();
    this.tokens.set(digest(token), {
      digest: digest(token),
      installationId,
      account,
      repositories,
      permissions,
      expiresAt,
    });
    this.options.onChange?.([...this.tokens.values()]);
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** Who an Authorization header belongs to. */
  identify(authorization: string | undefined): Caller {
    const token = tokenFromAuthorization(authorization);
    if (token === undefined) return { kind: 'anonymous' };
    if (this.options.pat && sameSecret(token, this.options.pat))
      return { kind: 'pat' };
    const stored = this.tokens.get(digest(token));
    if (stored) {
      return stored.expiresAt > this.now()
        ? { kind: 'installation', ...stored }
        : { kind: 'invalid' };
    }
    if (token.startsWith('eyJ') && this.verifyJwt(token)) {
      return { kind: 'app', appId: this.options.app!.id };
    }
    return { kind: 'invalid' };
  }

  /** May this caller read (clone, GET) the repository? */
  static canRead(caller: Caller, owner: string, name: string): boolean {
    if (caller.kind === 'pat') return true;
    if (caller.kind !== 'installation') return false;
    if (caller.account.toLowerCase() !== owner.toLowerCase()) return false;
    return (
      !caller.repositories ||
      caller.repositories.some(r => r.toLowerCase() === name.toLowerCase())
    );
  }

  /**
   * May this caller write `permission` (e.g. `deployments`) on the
   * repository? A token narrowed to `contents: read` writes nothing.
   */
  static canWrite(
    caller: Caller,
    owner: string,
    name: string,
    permission: string,
  ): boolean {
    if (!TokenStore.canRead(caller, owner, name)) return false;
    if (caller.kind !== 'installation' || !caller.permissions) return true;
    return caller.permissions[permission] === 'write';
  }

  private verifyJwt(jwt: string): boolean {
    if (!this.publicKey || !this.options.app) return false;
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return false;
    try {
      const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString());
      if (alg !== 'RS256') return false;
      const ok = crypto.verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        this.publicKey,
        Buffer.from(signature, 'base64url'),
      );
      if (!ok) return false;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const now = this.now() / 1000;
      // GitHub allows at most ten minutes of validity and some clock drift.
      return (
        String(claims.iss) === this.options.app.id &&
        typeof claims.exp === 'number' &&
        claims.exp > now &&
        claims.exp - (claims.iat ?? now) <= 660 &&
        (claims.iat ?? 0) <= now + 60
      );
    } catch {
      return false;
    }
  }

  private expire() {
    const now = this.now();
    for (const [key, t] of this.tokens)
      if (t.expiresAt <= now) this.tokens.delete(key);
  }
}
