import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, pathDeeperThan } from '@loyalty/kafka-contracts';
import { ProblemError } from '../problem/problem-details';

/** application/json and application/<anything>+json (problem+json, merge-patch+json, ...). */
/** The server's overall body limit: above the JSON parser's own, so that a too-large JSON body gets the parser's 413 problem. */
export const MAX_BODY_BYTES_WITH_HEADROOM = MAX_BODY_BYTES * 2;

const JSON_TYPES = /^application\/([\w.-]+\+)?json$/i;

/**
 * How every request body is read, before any route sees it: JSON only (415 otherwise), at most
 * MAX_BODY_BYTES (413), parseable (400 HTTP.MALFORMED_JSON, prototype keys refused) and nesting no
 * deeper than MAX_JSON_DEPTH (400 HTTP.TOO_DEEP: a validator walks nested values recursively).
 * The same limits as a Kafka message's (kafka-contracts). Errors before a route (these, and those
 * the platform raises) reach the one exception filter through NestJS, like every other.
 */
export function registerJsonBody(fastify: FastifyInstance): void {
  const secureJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_TYPES, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    secureJson(request, body as string, (error: Error | null, parsed?: unknown) => {
      if (error) return done(new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.MALFORMED_JSON', 'The body is not valid JSON', error.message), undefined);
      const field = pathDeeperThan(parsed);
      if (field === null) return done(null, parsed);
      done(
        new ProblemError(
          HttpStatus.BAD_REQUEST,
          'HTTP.TOO_DEEP',
          'The body nests too deep',
          `${field || 'the body'} nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`,
          {
            errors: [{ field, messages: [`nests deeper than ${MAX_JSON_DEPTH} levels`] }],
          },
        ),
        undefined,
      );
    });
  });
}

/** A request's path without its query string: nothing a caller put in a query (a key, by mistake) is echoed or logged. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
