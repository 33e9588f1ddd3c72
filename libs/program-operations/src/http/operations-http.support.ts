import type { AuthenticatedRequest } from '@loyalty/http-platform';

/** Who is acting: the API key's id (never the key). */
export function actorOf(request: AuthenticatedRequest): string {
  return request.principal ? `api-key:${request.principal.keyId}` : 'unknown';
}
