import { ApiRoles } from '../openapi/api-contract';
import { applyDecorators, CanActivate, ExecutionContext, HttpStatus, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRequest } from '../http-types';
import { ProblemError } from '../problem/problem-details';
import { ApiKeyRegistry, isAllowed, type ApiPrincipal, type Role } from './api-keys';
import { FailedAuthentications, SkipRateLimits } from '../rate-limits/rate-limits';

const ROLES_KEY = 'loyalty:roles';
const PUBLIC_KEY = 'loyalty:public';

/** The roles that may call a route (admin always may). */
/** The roles a route needs (admin may call every route): enforced by ApiKeyGuard, and stated in the OpenAPI contract. */
export const RequireRoles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiRoles(roles));
/** A route anyone may call, outside the request limits: health, metrics, docs. */
export const PublicRoute = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), SkipRateLimits());

export type AuthenticatedRequest = HttpRequest & { principal?: ApiPrincipal };

/** Bearer API keys: no key 401, a key without the role 403. Routes without roles are admin-only. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly registry: ApiKeyRegistry,
    @Optional() private readonly failures?: FailedAuthentications,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    this.failures?.checkAllowed(request.ip);
    const header = request.headers.authorization;
    if (!header) throw new ProblemError(HttpStatus.UNAUTHORIZED, 'AUTH.MISSING_API_KEY', 'An API key is required', 'send Authorization: Bearer <key>');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match ? this.registry.authenticate(match[1]) : null;
    if (!principal) throw this.failed(request, new ProblemError(HttpStatus.UNAUTHORIZED, 'AUTH.INVALID_API_KEY', 'The API key is not valid'));
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (!isAllowed(principal, roles)) {
      throw new ProblemError(
        HttpStatus.FORBIDDEN,
        'AUTH.FORBIDDEN',
        'The API key lacks the role for this operation',
        `requires one of: ${[...roles, 'admin'].join(', ')}`,
      );
    }
    request.principal = principal;
    return true;
  }

  /** A failed authentication: counted per address; the one past the limit is refused with 429 instead. */
  private failed(request: HttpRequest, unauthorized: ProblemError): ProblemError {
    this.failures?.record(request.ip);
    return unauthorized;
  }
}
