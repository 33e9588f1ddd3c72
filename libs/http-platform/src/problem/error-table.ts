import type { HttpStatus } from '@nestjs/common';

/** How an expected failure, known by its stable code, looks on the wire. */
export interface ProblemEntry {
  status: HttpStatus;
  title: string;
  /** Said to the client as `retryable` (the same request may succeed later). */
  retryable?: boolean;
}

/** Every expected failure's code and its problem+json: the app's one table (see ProblemDetailsFilter). */
export type ErrorTable = Readonly<Record<string, ProblemEntry>>;

export const ERROR_TABLE = Symbol('ERROR_TABLE');

/** An error raised below the HTTP layer with a stable code, and what else the client should see of it. */
export interface CodedError {
  code: string;
  message: string;
  problemExtensions?: Record<string, unknown>;
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as Partial<CodedError>).code === 'string';
}
