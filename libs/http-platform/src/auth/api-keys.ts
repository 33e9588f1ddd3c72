import { createHash, randomBytes } from 'node:crypto';

export const ROLES = ['ingest', 'redeem', 'finance', 'ops', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiPrincipal {
  /** A short, non-secret id of the key (a hash prefix), for logs and provenance. */
  keyId: string;
  roles: ReadonlySet<Role>;
}

export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(`LOYALTY_API_KEYS: ${message}`);
    this.name = 'ApiKeyConfigError';
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * API keys and their roles, from `key:role[+role...]` items separated by commas.
 * Keys are kept only as sha256 digests; a presented key is looked up by its digest.
 */
export class ApiKeyRegistry {
  private readonly byDigest = new Map<string, ApiPrincipal>();

  static parse(spec: string): ApiKeyRegistry {
    const registry = new ApiKeyRegistry();
    const items = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
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
      const keyDigest = digest(key);
      if (registry.byDigest.has(keyDigest)) throw new ApiKeyConfigError(`item ${i + 1}: the key appears twice`);
      registry.byDigest.set(keyDigest, { keyId: keyDigest.slice(0, 12), roles: new Set(roles as Role[]) });
    });
    return registry;
  }

  /**
   * A registry with one admin key, for development without configuration: the key kept from
   * an earlier start (so scripts and a browser session keep working across restarts), or a new one.
   */
  static development(keptKey?: string): { registry: ApiKeyRegistry; adminKey: string } {
    const adminKey = keptKey && /^dev-[A-Za-z0-9_-]{16,}$/.test(keptKey) ? keptKey : `dev-${randomBytes(18).toString('base64url')}`;
    return { registry: ApiKeyRegistry.parse(`${adminKey}:admin`), adminKey };
  }

  authenticate(presentedKey: string): ApiPrincipal | null {
    return this.byDigest.get(digest(presentedKey)) ?? null;
  }
}

/** admin may do everything; otherwise the principal needs one of the roles. */
export function isAllowed(principal: ApiPrincipal, anyOf: readonly Role[]): boolean {
  return principal.roles.has('admin') || anyOf.some((r) => principal.roles.has(r));
}
