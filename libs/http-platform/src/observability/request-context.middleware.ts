import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { LoyaltyMetrics } from './metrics';

/** Gives every request an id (or keeps the caller's X-Request-Id), logs it and counts it. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  private readonly logger = new Logger('http');

  constructor(private readonly metrics: LoyaltyMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    request.headers['x-request-id'] = requestId;
    response.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (request.route?.path as string | undefined) ?? 'unmatched';
      this.metrics.httpRequests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.metrics.httpDuration.observe({ method: request.method, route }, seconds);
      this.logger.log({ msg: 'request', requestId, method: request.method, path: request.originalUrl, status: response.statusCode, durationMs: Math.round(seconds * 1000 * 10) / 10 });
    });
    next();
  }
}
