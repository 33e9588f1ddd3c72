import { createHmac, randomBytes } from 'node:crypto';

export const ROLES = ['ingest', 'redeem', 'finance', 'ops', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiPrincipal {
  /**
   * A short id of the key for logs and provenance: a prefix of an HMAC of the key under the
   * server's secret, so that nobody holding only the ledger can test guesses of a key against it.
   */
  keyId: string;
  roles: ReadonlySet<Role>;
}

export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(`LOYALTY_API_KEYS: ${message}`);
    this.name = 'ApiKeyConfigError';
  }
}

/** At least this long: the secret the key ids are derived with. */
export const MIN_KEY_ID_SECRET_LENGTH = 16;

/**
 * API keys and their roles, from `key:role[+role...]` items separated by commas. Keys are kept
 * as HMAC digests under the server's secret; a presented key is looked up by its digest. A key
 * that authenticated once is remembered (only configured keys can be: the memory is bounded),
 * so the frequent caller is not hashed per request.
 */
export class ApiKeyRegistry {
  private readonly byDigest = new Map<string, ApiPrincipal>();
  private readonly known = new Map<string, ApiPrincipal>();

  private constructor(private readonly idSecret: string) {
    if (idSecret.length < MIN_KEY_ID_SECRET_LENGTH) throw new ApiKeyConfigError(`the key id secret needs at least ${MIN_KEY_ID_SECRET_LENGTH} characters`);
  }

  private digest(key: string): string {
    return createHmac('sha256', this.idSecret).update(`loyalty-api-key:${key}`).digest('hex');
  }

  /** The keys of `spec`, their ids derived with `idSecret` (stable across restarts: the same secret gives the same ids). */
  static parse(spec: string, idSecret: string): ApiKeyRegistry {
    const registry = new ApiKeyRegistry(idSecret);
    const items = spec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new ApiKeyConfigError('no keys given');
    items.forEach((item, i) => {
      const separator = item.lastIndexOf(':');
      if (separator <= 0 || separator === item.length - 1) throw new ApiKeyConfigError(`item ${i + 1} must look like key:role[+role...]`);
      const key = item.slice(0, separator);
      if (key.length < 8) throw new ApiKeyConfigError(`item ${i + 1}: a key needs at least 8 characters`);
      const roles = item.slice(separator + 1).split('+');
      for (const role of roles) {
        if (!(ROLES as readonly string[]).includes(role)) throw new ApiKeyConfigError(`item ${i + 1}: unknown role "${role}" (roles: ${ROLES.join(', ')})`);
      }
      const keyDigest = registry.digest(key);
      if (registry.byDigest.has(keyDigest)) throw new ApiKeyConfigError(`item ${i + 1}: the key appears twice`);
      registry.byDigest.set(keyDigest, { keyId: keyDigest.slice(0, 16), roles: new Set(roles as Role[]) });
    });
    return registry;
  }

  /**
   * A registry with one admin key, for development without configuration: the key kept from
   * an earlier start (so scripts and a browser session keep working across restarts), or a new one.
   */
  static development(idSecret: string, keptKey?: string): { registry: ApiKeyRegistry; adminKey: string } {
    const adminKey = keptKey && /^dev-[A-Za-z0-9_-]{16,}$/.test(keptKey) ? keptKey : `dev-${randomBytes(18).toString('base64url')}`;
    return { registry: ApiKeyRegistry.parse(`${adminKey}:admin`, idSecret), adminKey };
  }

  authenticate(presentedKey: string): ApiPrincipal | null {
    const known = this.known.get(presentedKey);
    if (known) return known;
    const principal = this.byDigest.get(this.digest(presentedKey)) ?? null;
    if (principal) this.known.set(presentedKey, principal);
    return principal;
  }
}

/** admin may do everything; otherwise the principal needs one of the roles. */
export function isAllowed(principal: ApiPrincipal, anyOf: readonly Role[]): boolean {
  return principal.roles.has('admin') || anyOf.some((r) => principal.roles.has(r));
}
