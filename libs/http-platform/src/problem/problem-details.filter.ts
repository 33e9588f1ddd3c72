import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger } from '@nestjs/common';
import type { HttpReply, HttpRequest } from '../http-types';
import { ProblemError, PROBLEM_TYPE_BASE, type ProblemDetails } from './problem-details';
import { ERROR_TABLE, isCodedError, type CodedError, type ErrorTable } from './error-table';
import { pathOf } from '../validation/json-body';

/**
 * The one place where errors become application/problem+json: a ProblemError (a refusal of the
 * HTTP layer) as it says; an error with a code of the app's error table as the table says;
 * any other as 500, logged.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(@Inject(ERROR_TABLE) private readonly table: ErrorTable) {}

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
    const entry = isCodedError(exception) ? this.table[exception.code] : undefined;
    if (entry) {
      const { code, message, problemExtensions } = exception as CodedError;
      const extensions = { ...(entry.retryable === undefined ? {} : { retryable: entry.retryable }), ...problemExtensions };
      return new ProblemError(entry.status, code, entry.title, message, extensions).toProblem(instance);
    }
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

function describe(exception: unknown): Record<string, unknown> {
  if (exception instanceof Error) return { name: exception.name, message: exception.message, stack: exception.stack };
  return { value: String(exception) };
}
