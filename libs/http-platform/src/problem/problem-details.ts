import { HttpStatus } from '@nestjs/common';

/** RFC 7807 problem details, with a stable machine-readable `code`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://loyalty-ledger.dev/problems/';

/** An error that already knows how it should look on the wire. */
export class ProblemError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  toProblem(instance?: string): ProblemDetails {
    return {
      type: `${PROBLEM_TYPE_BASE}${this.code.toLowerCase().replace(/[._]/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

/** One invalid field of a request, named by its path (e.g. `lines[0].quantity`). */
export interface FieldError {
  field: string;
  messages: string[];
}

export class RequestValidationProblem extends ProblemError {
  constructor(readonly errors: FieldError[]) {
    super(
      HttpStatus.BAD_REQUEST,
      'HTTP.VALIDATION_FAILED',
      'The request is invalid',
      `${errors.length} invalid field(s): ${errors.map((e) => e.field).join(', ')}`,
      { errors },
    );
  }
}
