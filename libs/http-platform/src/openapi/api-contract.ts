import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiResponse } from '@nestjs/swagger';

/** The name of the problem+json schema every error answer refers to. */
export const PROBLEM_SCHEMA = 'Problem';

/**
 * The operation's JSON answer, by the name of its response type: the schemas are generated from
 * the TypeScript types (apps/api/src/contracts/http-responses.ts) into the OpenAPI document, so
 * the contract says what the code returns.
 */
export const ApiJsonResponse = (schema: string, status = 200, description = 'OK', { csv = false, ndjson = false } = {}) =>
  ApiResponse({
    status,
    description,
    content: {
      'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
      ...(csv ? { 'text/csv': { schema: { type: 'string', description: 'The same table as CSV (format=csv)' } } } : {}),
      ...(ndjson
        ? { 'application/x-ndjson': { schema: { type: 'string', description: 'The whole list, one JSON object a line, streamed (format=ndjson)' } } }
        : {}),
    },
  });

/** The roles an operation needs, in the contract (x-roles) and its answer without them (401, 403). */
export const ApiRoles = (roles: readonly string[]) =>
  applyDecorators(
    ApiExtension('x-roles', [...roles, 'admin']),
    ApiResponse({ status: 401, description: 'No API key, or an unknown one', content: problemContent() }),
    ApiResponse({ status: 403, description: `The key lacks the role: one of ${[...roles, 'admin'].join(', ')}`, content: problemContent() }),
  );

export function problemContent(): Record<string, { schema: { $ref: string } }> {
  return { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } };
}
