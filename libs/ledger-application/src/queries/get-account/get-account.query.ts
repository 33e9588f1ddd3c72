import { Query } from '@nestjs/cqrs';
import type { AccountView } from './account.view';

/**
 * The account as of a business instant (`asOf`, default now): the entries dated at or before
 * it. With `recordedUpTo`, only the entries the ledger had recorded up to a global position or
 * a recording instant count: "what did we know then about asOf".
 */
export class GetAccount extends Query<AccountView | null> {
  constructor(
    readonly customerId: string,
    readonly asOf: string | undefined,
    readonly recordedUpTo: { atPosition?: bigint; knownAt?: string } = {},
    /** insights: add the read models' view of the customer; lotsLimit: how many lots to list. */
    readonly include: { insights: boolean; lotsLimit?: number } = { insights: false },
  ) {
    super();
  }
}
