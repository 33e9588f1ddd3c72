import { createHash } from 'node:crypto';
import { HttpStatus, Injectable, Module, type DynamicModule, type ExecutionContext, type OnApplicationShutdown } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, ThrottlerModule, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { HttpRequest } from '../http-types';
import { ProblemError } from '../problem/problem-details';
import { FixedWindowStorage } from './fixed-window.storage';

/** Requests a second per API key and per source address, and failed authentications a minute per address; 0 turns a limit off. */
export interface RateLimitsConfig {
  perKeyPerSecond: number;
  perAddressPerSecond: number;
  failedAuthenticationsPerMinute: number;
}

const SECOND = 1_000;

/** Exempts a route from the request limits (health probes, metrics scrapes, docs). */
export const SkipRateLimits = () => SkipThrottle({ address: true, key: true });
const MINUTE = 60_000;

/** 429 as problem+json with Retry-After: the one shape every limit answers in. */
export function tooManyRequests(code: string, title: string, retryAfterSeconds: number, detail: string): ProblemError {
  return new ProblemError(HttpStatus.TOO_MANY_REQUESTS, code, title, detail, { retryAfterSeconds, retryable: true });
}

/** The library's guard, answering in the house's problem shape. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = limit.timeToBlockExpire || limit.timeToExpire;
    throw tooManyRequests(
      'RATE_LIMIT.EXCEEDED',
      'Too many requests',
      retryAfter,
      `more than ${limit.limit} requests a second ${limit.key.startsWith('key') ? 'with this API key' : 'from this address'}; retry after ${retryAfter} s`,
    );
  }
}

/**
 * Failed authentications per source address: past the limit the address is refused (429)
 * for a minute, whatever key it sends, so guesses cannot go on at the speed of the server.
 */
@Injectable()
export class FailedAuthentications {
  constructor(
    private readonly storage: FixedWindowStorage,
    private readonly perMinute: number,
  ) {}

  /** Refuses an address that failed too often lately. */
  checkAllowed(address: string): void {
    if (this.perMinute === 0) return;
    const blocked = this.storage.blockedFor(this.key(address));
    if (blocked > 0) throw this.refusal(blocked);
  }

  /** Counts a failure; the one over the limit is already refused. */
  record(address: string): void {
    if (this.perMinute === 0) return;
    const counted = this.storage.hit(this.key(address), MINUTE, this.perMinute, MINUTE);
    if (counted.isBlocked) throw this.refusal(counted.timeToBlockExpire);
  }

  private key(address: string): string {
    return `failed-auth\u0000${address}`;
  }

  private refusal(retryAfter: number): ProblemError {
    return tooManyRequests(
      'AUTH.TOO_MANY_FAILURES',
      'Too many failed authentications',
      retryAfter,
      `more than ${this.perMinute} failed authentications a minute from this address; retry after ${retryAfter} s`,
    );
  }
}

/** Whose requests these are, for the per-key limit: a digest of the bearer key (the key itself is never kept). */
function bearerTracker(req: Record<string, unknown>): string {
  const header = (req as unknown as HttpRequest).headers.authorization ?? '';
  return createHash('sha256').update(header).digest('base64url').slice(0, 22);
}

class StorageCloser implements OnApplicationShutdown {
  constructor(private readonly storage: FixedWindowStorage) {}
  onApplicationShutdown(): void {
    this.storage.close();
  }
}

/** Rate limits (@nestjs/throttler): per API key, per source address, and failed authentications. Public routes (health, metrics, docs) are exempt. */
@Module({})
export class RateLimitsModule {
  static forConfig(config: RateLimitsConfig): DynamicModule {
    const storage = new FixedWindowStorage();
    const throttlers = [
      ...(config.perAddressPerSecond > 0
        ? [
            {
              name: 'address',
              ttl: SECOND,
              limit: config.perAddressPerSecond,
              getTracker: (req: Record<string, unknown>) => (req as unknown as HttpRequest).ip,
            },
          ]
        : []),
      ...(config.perKeyPerSecond > 0
        ? [
            {
              name: 'key',
              ttl: SECOND,
              limit: config.perKeyPerSecond,
              getTracker: bearerTracker,
              skipIf: (c: ExecutionContext) => !c.switchToHttp().getRequest<HttpRequest>().headers.authorization,
            },
          ]
        : []),
    ];
    return {
      module: RateLimitsModule,
      global: true,
      imports: [ThrottlerModule.forRoot({ throttlers, storage, generateKey: (_context, tracker, name) => `${name}:${tracker}`, setHeaders: false })],
      providers: [
        { provide: FixedWindowStorage, useValue: storage },
        { provide: FailedAuthentications, useFactory: () => new FailedAuthentications(storage, config.failedAuthenticationsPerMinute) },
        { provide: StorageCloser, useFactory: () => new StorageCloser(storage) },
      ],
      exports: [FailedAuthentications, ThrottlerModule],
    };
  }
}
