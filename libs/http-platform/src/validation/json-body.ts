import { HttpStatus } from '@nestjs/common';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, pathDeeperThan } from '@loyalty/kafka-contracts';
import { ProblemError } from '../problem/problem-details';

function send(problem: ProblemError, request: Request, response: Response): void {
  response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toProblem(request.originalUrl)));
}

/** A request that carries a body (a length, or chunks). */
function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * How every request body is read, before any route sees it: JSON only (415 otherwise), at most
 * MAX_BODY_BYTES (413), parseable (400 HTTP.MALFORMED_JSON) and nesting no deeper than
 * MAX_JSON_DEPTH (400 HTTP.TOO_DEEP: a validator walks nested values recursively). The same
 * limits as a Kafka message's (kafka-contracts).
 */
export function jsonBody(): RequestHandler[] {
  const requireJson: RequestHandler = (request, response, next) => {
    if (!hasBody(request) || request.is(['application/json', 'application/*+json'])) return next();
    send(new ProblemError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'HTTP.UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON', `Content-Type must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? null)}`), request, response);
  };
  const parse = json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] });
  const unparsable = (error: { type?: string; message?: string } | undefined, request: Request, response: Response, next: NextFunction): void => {
    if (!error) return next();
    send(
      error.type === 'entity.too.large'
        ? new ProblemError(HttpStatus.PAYLOAD_TOO_LARGE, 'HTTP.PAYLOAD_TOO_LARGE', 'The body is too large', `at most ${MAX_BODY_BYTES} bytes`)
        : new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.MALFORMED_JSON', 'The body is not valid JSON', error.message),
      request,
      response,
    );
  };
  const shallow: RequestHandler = (request, response, next) => {
    const field = pathDeeperThan(request.body);
    if (field === null) return next();
    send(
      new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.TOO_DEEP', 'The body nests too deep', `${field || 'the body'} nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`, {
        errors: [{ field, messages: [`nests deeper than ${MAX_JSON_DEPTH} levels`] }],
      }),
      request,
      response,
    );
  };
  return [requireJson, parse, unparsable as unknown as RequestHandler, shallow];
}
