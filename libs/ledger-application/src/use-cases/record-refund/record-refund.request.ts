import { IsIdentifier, IsInstant, IsMinorUnits } from '../../http/request-validators';

export class RecordRefundRequest {
  @IsIdentifier('The refund id: the refund is recorded once per id', 'REF-2026-000045') refundId!: string;
  @IsIdentifier('The refunded order', 'ORD-2026-000123') orderId!: string;
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
  @IsInstant('When the refund happened') occurredAt!: string;
  @IsMinorUnits('The refunded amount (all or part of the order)') amount!: number;
}
