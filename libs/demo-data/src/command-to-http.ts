import type { LedgerCommand } from '@loyalty/ledger-domain';

export interface HttpCall {
  path: string;
  body: Record<string, unknown>;
}

/** The public HTTP request that carries a ledger command (what an order system would send). */
export function commandToHttp(command: LedgerCommand): HttpCall {
  const { type: _type, ...fields } = command;
  switch (command.type) {
    case 'RecordPurchase':
      return { path: '/v1/purchases', body: fields };
    case 'RecordRefund':
      return { path: '/v1/refunds', body: fields };
    case 'RecordSurveyAnswer':
      return { path: '/v1/survey-answers', body: fields };
    case 'RecordSupportContact':
      return { path: '/v1/support-contacts', body: fields };
    case 'EnrolCustomer':
      return { path: '/v1/customers', body: fields };
    case 'RedeemPoints': {
      const { customerId, ...rest } = command;
      return {
        path: `/v1/accounts/${encodeURIComponent(customerId)}/redemptions`,
        body: { redemptionId: rest.redemptionId, points: rest.points, reward: rest.reward, occurredAt: rest.occurredAt },
      };
    }
    default:
      throw new Error(`the demo does not send ${command.type}`);
  }
}
