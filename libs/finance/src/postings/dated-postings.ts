import { LedgerAccount, postingsFor, type LedgerEvent, type Posting } from '@loyalty/ledger-domain';

/** A posting with the business instant it takes effect (ISO-8601 UTC). */
export interface DatedPosting extends Posting {
  effectiveAt: string;
  /** What kind of movement it is, for the roll-forward. */
  movement: Movement;
}

export type Movement = 'migrated' | 'issued' | 'redeemed' | 'redemption-cancelled' | 'expired' | 'adjusted' | 'reversed' | 'deficit' | 'written-off';

/** When an event takes effect for the books: its business time, not the time it was recorded. */
export function effectiveAtOf(event: LedgerEvent): string {
  switch (event.type) {
    case 'PointsEarned':
    case 'BonusAwarded':
      return event.earnedAt;
    case 'PointsExpired':
      return event.asOf;
    case 'AccountOpened':
      return event.openedAt;
    case 'OpeningBalanceMigrated':
      return event.migratedAt;
    case 'CustomerEnrolled':
      return event.enrolledAt;
    case 'SupportContactRecorded':
      return event.openedAt;
    default:
      return event.occurredAt;
  }
}

function movementOf(event: LedgerEvent, posting: Posting): Movement {
  if (posting.debit === LedgerAccount.NegativeBalanceReceivable || posting.credit === LedgerAccount.NegativeBalanceReceivable) return 'deficit';
  if (posting.debit === LedgerAccount.RefundWriteOffExpense) return 'written-off';
  switch (event.type) {
    case 'OpeningBalanceMigrated':
      return 'migrated';
    case 'PointsEarned':
    case 'BonusAwarded':
      return 'issued';
    case 'PointsRedeemed':
      return 'redeemed';
    case 'RedemptionCancelled':
      return 'redemption-cancelled';
    case 'PointsExpired':
      return 'expired';
    case 'PointsAdjusted':
      return 'adjusted';
    default:
      return 'reversed';
  }
}

/** The event's double-entry postings, dated and classified. */
export function datedPostings(event: LedgerEvent): DatedPosting[] {
  const effectiveAt = effectiveAtOf(event);
  return postingsFor(event).map((p) => ({ ...p, effectiveAt, movement: movementOf(event, p) }));
}
