import { HttpStatus } from '@nestjs/common';
import { ProblemError, type AuthenticatedRequest } from '@loyalty/http-platform';
import { RulesLifecycleError } from '../rules-lifecycle/rules-catalog';
import { ReplayError } from '../replays/replay-service';
import { ReRatingError } from '../re-rating/re-rating.service';

/** Who is acting: the API key's id (never the key). */
export function actorOf(request: AuthenticatedRequest): string {
  return request.principal ? `api-key:${request.principal.keyId}` : 'unknown';
}

const STATUS: Record<string, HttpStatus> = {
  'RULES.INVALID': HttpStatus.UNPROCESSABLE_ENTITY,
  'RULES.WRONG_PROGRAM': HttpStatus.UNPROCESSABLE_ENTITY,
  'RULES.VERSION_EXISTS': HttpStatus.CONFLICT,
  'RULES.VERSION_NOT_FOUND': HttpStatus.NOT_FOUND,
  'RULES.RETROACTIVE': HttpStatus.UNPROCESSABLE_ENTITY,
  'RULES.TOO_SOON': HttpStatus.UNPROCESSABLE_ENTITY,
  'RULES.ALREADY_SCHEDULED': HttpStatus.CONFLICT,
  'REPLAY.NOT_FOUND': HttpStatus.NOT_FOUND,
  'REPLAY.NOT_READY': HttpStatus.CONFLICT,
  'REPLAY.NOT_PROMOTED': HttpStatus.CONFLICT,
  'REPLAY.VIEW_CHANGED': HttpStatus.CONFLICT,
  'REPLAY.UNKNOWN_PROJECTION': HttpStatus.BAD_REQUEST,
  'REPLAY.TOO_MANY_RUNNING': HttpStatus.CONFLICT,
  'REPLAY.IN_USE': HttpStatus.CONFLICT,
  'RERATING.NOT_FOUND': HttpStatus.NOT_FOUND,
  'RERATING.ALREADY_POSTED': HttpStatus.CONFLICT,
};

/** Operations' expected failures as problem+json, in one place; anything else is rethrown. */
export async function asProblem<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RulesLifecycleError || error instanceof ReplayError || error instanceof ReRatingError) {
      const extra = error instanceof RulesLifecycleError && error.fieldErrors.length ? { errors: error.fieldErrors.map((e) => ({ field: e.path, messages: [e.message] })) } : undefined;
      throw new ProblemError(STATUS[error.code] ?? HttpStatus.BAD_REQUEST, error.code, error.message, error.message, extra);
    }
    throw error;
  }
}
