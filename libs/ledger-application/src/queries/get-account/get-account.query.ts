import { Query } from '@nestjs/cqrs';
import type { AccountView } from './account.view';

export class GetAccount extends Query<AccountView | null> {
  constructor(
    readonly customerId: string,
    readonly asOf: string | undefined,
  ) {
    super();
  }
}
