import { HttpStatus } from '@nestjs/common';
import type { ErrorTable, ProblemEntry } from '@loyalty/http-platform';
import { LedgerRejectionCode } from '@loyalty/ledger-domain';

const ledgerRejection = (status: HttpStatus): ProblemEntry => ({ status, title: 'The ledger rejected the command' });

/**
 * Every expected failure the app's modules raise, by its stable code, as the client sees it
 * (ProblemDetailsFilter): the one table. A refusal of the HTTP layer itself (a malformed body,
 * a missing key) is a ProblemError that carries its own status; anything else is a 500.
 */
export const ERRORS: ErrorTable = {
  // Ledger rejections: the command is understood and refused (422), but for a source id that names another fact (409).
  ...Object.fromEntries(Object.values(LedgerRejectionCode).map((code) => [code, ledgerRejection(HttpStatus.UNPROCESSABLE_ENTITY)])),
  [LedgerRejectionCode.SourceConflict]: ledgerRejection(HttpStatus.CONFLICT),
  // The ledger's state.
  'LEDGER.CONCURRENCY_RETRIES_EXHAUSTED': { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'The ledger is busy; retry the request', retryable: true },
  'EVENT_STORE.UNAVAILABLE': { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'The ledger is busy; retry the request', retryable: true },
  'LEDGER.INTEGRITY_FAILED': { status: HttpStatus.SERVICE_UNAVAILABLE, title: 'The ledger refuses writes until its safeguards are restored', retryable: false },
  'FINANCE.SUM_BEYOND_EXACT': { status: HttpStatus.INTERNAL_SERVER_ERROR, title: 'A figure would no longer be exact' },
  // Operations: the rules lifecycle, replays, re-ratings.
  'RULES.INVALID': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'The rules are invalid' },
  'RULES.WRONG_PROGRAM': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'The rules are of another program' },
  'RULES.VERSION_EXISTS': { status: HttpStatus.CONFLICT, title: 'That rules version exists already' },
  'RULES.VERSION_NOT_FOUND': { status: HttpStatus.NOT_FOUND, title: 'No such rules version' },
  'RULES.RETROACTIVE': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'A rules version cannot take effect where the ledger has entries' },
  'RULES.TOO_SOON': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'A rules version must be scheduled further ahead' },
  'RULES.ALREADY_SCHEDULED': { status: HttpStatus.CONFLICT, title: 'That rules version is scheduled already' },
  'REPLAY.NOT_FOUND': { status: HttpStatus.NOT_FOUND, title: 'No such replay' },
  'REPLAY.NOT_READY': { status: HttpStatus.CONFLICT, title: 'The replay has not caught up yet' },
  'REPLAY.NOT_PROMOTED': { status: HttpStatus.CONFLICT, title: 'The replay is not promoted' },
  'REPLAY.VIEW_CHANGED': { status: HttpStatus.CONFLICT, title: 'The read view changed meanwhile' },
  'REPLAY.UNKNOWN_PROJECTION': { status: HttpStatus.BAD_REQUEST, title: 'No such projection' },
  'REPLAY.TOO_MANY_RUNNING': { status: HttpStatus.CONFLICT, title: 'Too many replays are running' },
  'REPLAY.IN_USE': { status: HttpStatus.CONFLICT, title: 'The replay is in use' },
  'RERATING.NOT_FOUND': { status: HttpStatus.NOT_FOUND, title: 'No such re-rating' },
  // Analytics: the predictive customer value model.
  'CUSTOMER_VALUE.NOT_FITTED': { status: HttpStatus.CONFLICT, title: 'No customer value model is fitted yet' },
  'CUSTOMER_VALUE.TOO_FEW_CUSTOMERS': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'Too few customers bought in the window to fit the model' },
  'CUSTOMER_VALUE.INVALID_WINDOW': { status: HttpStatus.BAD_REQUEST, title: 'The calibration window is empty' },
  // Notifications: webhook endpoints.
  'WEBHOOK.NOT_FOUND': { status: HttpStatus.NOT_FOUND, title: 'No such webhook endpoint' },
  'WEBHOOK.URL_REFUSED': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'The webhook URL is refused' },
  'WEBHOOK.UNKNOWN_TYPE': { status: HttpStatus.UNPROCESSABLE_ENTITY, title: 'No such notification type' },
  'WEBHOOK.NOTHING_TO_RESEND': { status: HttpStatus.NOT_FOUND, title: 'Nothing to send again in that range' },
  'RERATING.ALREADY_POSTED': { status: HttpStatus.CONFLICT, title: 'The re-rating is posted already' },
};
