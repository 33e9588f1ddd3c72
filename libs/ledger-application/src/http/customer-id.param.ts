import { IsIdentifier } from './request-validators';

export class CustomerIdParam {
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
}

export class RedemptionParams extends CustomerIdParam {
  @IsIdentifier('The redemption id', 'RDM-5001') redemptionId!: string;
}
