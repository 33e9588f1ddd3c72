import type { LedgerCommand } from './ledger-commands';

/**
 * The key under which a command's source is remembered. Two commands with one key are one
 * fact delivered twice. Expiry has none: re-running it finds nothing left to expire.
 */
export function sourceKeyOf(command: LedgerCommand): string | null {
  switch (command.type) {
    case 'MigrateOpeningBalance':
      return 'opening-balance';
    case 'EnrolCustomer':
      return `enrolment:${command.customerId}`;
    case 'RecordPurchase':
      return `purchase:${command.orderId}`;
    case 'RecordRefund':
      return `refund:${command.refundId}`;
    case 'RecordSurveyAnswer':
      return `survey-response:${command.responseId}`;
    case 'RecordSupportContact':
      return `support-contact:${command.contactId}`;
    case 'RedeemPoints':
      return `redemption:${command.redemptionId}`;
    case 'CancelRedemption':
      return `redemption-cancellation:${command.redemptionId}`;
    case 'AdjustPoints':
      return `adjustment:${command.adjustmentId}`;
    case 'ExpirePoints':
      return null;
    default:
      return assertNever(command);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
