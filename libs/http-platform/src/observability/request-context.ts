import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pathOf } from '../validation/json-body';
import { LoyaltyMetrics } from './metrics';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id (or keeps the caller's X-Request-Id), logs it and counts it. The log
 * has the path without its query string: a key put in a query by mistake never reaches the logs.
 */
export function registerRequestContext(fastify: FastifyInstance, metrics: LoyaltyMetrics): void {
  const logger = new Logger('http');
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    request.headers['x-request-id'] = requestId;
    void reply.header('X-Request-Id', requestId);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, ms / 1000);
    logger.log({
      msg: 'request',
      requestId: request.headers['x-request-id'],
      method: request.method,
      path: pathOf(request.url),
      status: reply.statusCode,
      durationMs: Math.round(ms * 10) / 10,
    });
    done();
  });
}
