import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { HttpReply, HttpRequest } from '../http-types';
import { ProblemError, PROBLEM_TYPE_BASE, type ProblemDetails } from './problem-details';
import { pathOf } from '../validation/json-body';

/** The one place where errors become application/problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpReply>();
    const problem = this.toProblem(exception, pathOf(request.url));
    if (problem.status >= 500) {
      this.logger.error({ msg: 'request failed', requestId: request.headers['x-request-id'], path: pathOf(request.url), error: describe(exception) });
    }
    if (typeof problem.retryAfterSeconds === 'number') void response.header('Retry-After', String(problem.retryAfterSeconds));
    void response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, instance: string): ProblemDetails {
    if (exception instanceof ProblemError) return exception.toProblem(instance);
    const mapped = mapKnownError(exception);
    if (mapped) return mapped.toProblem(instance);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const code = `HTTP.${(HttpStatus[status] ?? 'ERROR').toString()}`;
      return {
        type: `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/[._]/g, '-')}`,
        title: HttpStatus[status]?.toString().replace(/_/g, ' ').toLowerCase() ?? 'error',
        status,
        code,
        detail: Array.isArray(message) ? message.join('; ') : String(message),
        instance,
      };
    }
    return {
      type: `${PROBLEM_TYPE_BASE}internal-error`,
      title: 'Internal error',
      status: 500,
      code: 'HTTP.INTERNAL_ERROR',
      detail: 'An unexpected error occurred; it has been logged.',
      instance,
    };
  }
}

/** Errors raised below the HTTP layer that have a well-known meaning for a client. */
function mapKnownError(exception: unknown): ProblemError | null {
  const error = exception as { code?: string; message?: string };
  if (error?.code === 'LEDGER.CONCURRENCY_RETRIES_EXHAUSTED' || error?.code === 'EVENT_STORE.UNAVAILABLE') {
    return new ProblemError(HttpStatus.SERVICE_UNAVAILABLE, error.code, 'The ledger is busy; retry the request', error.message, { retryable: true });
  }
  if (error?.code === 'LEDGER.INTEGRITY_FAILED') {
    return new ProblemError(HttpStatus.SERVICE_UNAVAILABLE, error.code, 'The ledger refuses writes until its safeguards are restored', error.message, { retryable: false });
  }
  if (error?.code === 'FINANCE.SUM_BEYOND_EXACT') {
    return new ProblemError(HttpStatus.INTERNAL_SERVER_ERROR, error.code, 'A figure would no longer be exact', error.message);
  }
  return null;
}

function describe(exception: unknown): Record<string, unknown> {
  if (exception instanceof Error) return { name: exception.name, message: exception.message, stack: exception.stack };
  return { value: String(exception) };
}
