import { applyDecorators, CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, Post, UseInterceptors } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { HttpReply } from '../http-types';
import { concatMap, finalize, from, Observable, of, switchMap } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ProblemError } from '../problem/problem-details';
import { pathOf } from '../validation/json-body';
import { IdempotencyStore } from './idempotency-store';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Honours `Idempotency-Key` on writes: the first successful response is stored and replayed
 * for a retry with the same key and body; the same key with another body is refused.
 * (The ledger is idempotent by source id as well; this gives the client the same answer.)
 */
@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  private readonly inFlight = new Set<string>();

  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<HttpReply>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INVALID_IDEMPOTENCY_KEY', 'Invalid Idempotency-Key', 'use 1 to 255 printable ASCII characters');
    }
    const scope = `${request.principal?.keyId ?? 'anonymous'} ${request.method} ${pathOf(request.url)} ${key}`;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(request.body ?? null))
      .digest('hex');
    return from(this.store.get(scope)).pipe(
      switchMap((stored) => {
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw new ProblemError(
              HttpStatus.UNPROCESSABLE_ENTITY,
              'HTTP.IDEMPOTENCY_KEY_REUSED',
              'Idempotency-Key reused with a different request',
              `key ${key} was first used on ${stored.createdAt} with another body`,
            );
          }
          response.status(stored.status).header('Idempotent-Replayed', 'true');
          return of(JSON.parse(stored.body) as unknown);
        }
        if (this.inFlight.has(scope)) {
          throw new ProblemError(
            HttpStatus.CONFLICT,
            'HTTP.IDEMPOTENCY_KEY_IN_USE',
            'A request with this Idempotency-Key is still being processed',
            'retry shortly',
          );
        }
        this.inFlight.add(scope);
        return next.handle().pipe(
          // The response is stored before it is sent: a retry arriving after it finds it.
          concatMap(async (body: unknown) => {
            const status = response.statusCode;
            if (status >= 200 && status < 300) {
              await this.store.put(scope, { fingerprint, status, body: JSON.stringify(body ?? null, bigintReplacer), createdAt: new Date().toISOString() });
            }
            return body;
          }),
          finalize(() => this.inFlight.delete(scope)),
        );
      }),
    );
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * How every POST route of the API is declared: a write that honours Idempotency-Key. The
 * interceptor sits on the write routes only, so the reads (the frequent questions) pay nothing for it.
 */
export const IdempotentPost = (path?: string) => applyDecorators(Post(path), UseInterceptors(IdempotencyKeyInterceptor));
