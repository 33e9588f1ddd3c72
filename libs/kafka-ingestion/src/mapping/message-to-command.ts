import type {
  CustomerEnrolledV1,
  MessageEnvelope,
  PurchaseRecordedV1,
  RefundRecordedV1,
  SupportContactRecordedV1,
  SurveyAnsweredV1,
} from '@loyalty/kafka-contracts';
import type { LedgerCommand } from '@loyalty/ledger-domain';

/** The ledger command a validated message carries (payload fields map one to one). */
export function messageToCommand(envelope: MessageEnvelope): LedgerCommand {
  switch (envelope.type) {
    case 'purchase.recorded':
      return { type: 'RecordPurchase', ...(envelope.payload as PurchaseRecordedV1) };
    case 'refund.recorded':
      return { type: 'RecordRefund', ...(envelope.payload as RefundRecordedV1) };
    case 'survey.answered':
      return { type: 'RecordSurveyAnswer', ...(envelope.payload as SurveyAnsweredV1) };
    case 'support-contact.recorded':
      return { type: 'RecordSupportContact', ...(envelope.payload as SupportContactRecordedV1) };
    case 'customer.enrolled':
      return { type: 'EnrolCustomer', ...(envelope.payload as CustomerEnrolledV1) };
  }
}
