import type { LedgerEvent, LotMovement } from '../loyalty-account/ledger-events';
import { assertNever } from '../loyalty-account/source-keys';

/**
 * The chart of accounts, in points. Finance values points with the rules' point value.
 * - customer-points-liability: every unspent point a customer holds (credit balance).
 * - negative-balance-receivable: points customers owe after refunds of spent points (debit balance).
 * - refund-write-offs: points a refund could not take back (already spent) and that the
 *   write-off policy forgives: the purchase's points expense is undone and the forgiven points
 *   become an expense of their own. The liability does not move (the customer holds nothing).
 * - migrated-opening-balances: the liability taken over from another program at its cutover
 *   (what the customers held there), so that it is one line of the roll-forward.
 * - the rest are the movements' other sides.
 */
export const LedgerAccount = {
  CustomerPointsLiability: 'liability:customer-points',
  NegativeBalanceReceivable: 'receivable:negative-balances',
  PurchasePointsExpense: 'expense:purchase-points',
  BonusPointsExpense: 'expense:bonus-points',
  AdjustmentPointsExpense: 'expense:adjustments',
  RefundWriteOffExpense: 'expense:refund-write-offs',
  Redemptions: 'redemptions:rewards',
  Breakage: 'income:breakage',
  MigratedOpeningBalances: 'opening:migrated-balances',
} as const;
export type LedgerAccount = (typeof LedgerAccount)[keyof typeof LedgerAccount];

/** One balanced movement of points: debit one account, credit another. */
export interface Posting {
  debit: LedgerAccount;
  credit: LedgerAccount;
  points: number;
  memo: string;
}

const L = LedgerAccount;

/** The double-entry postings of one ledger event. Events that move no points post nothing. */
export function postingsFor(event: LedgerEvent): Posting[] {
  switch (event.type) {
    case 'AccountOpened':
    case 'CustomerEnrolled':
    case 'PurchaseRecorded':
    case 'SurveyAnswered':
    case 'SupportContactRecorded':
      return [];
    case 'OpeningBalanceMigrated':
      return compact([
        {
          debit: L.MigratedOpeningBalances,
          credit: L.CustomerPointsLiability,
          points: event.points,
          memo: `opening balance migrated from ${event.sourceProgram} (${event.migrationId})`,
        },
      ]);
    case 'PointsEarned':
      return issue(
        L.PurchasePointsExpense,
        event.points,
        event.deficitSettled,
        `earned on order ${event.source.kind === 'purchase' ? event.source.orderId : event.lotId}`,
      );
    case 'BonusAwarded':
      return issue(L.BonusPointsExpense, event.points, event.deficitSettled, `${event.reason} bonus`);
    case 'PointsReversed':
      return compact([
        {
          debit: L.CustomerPointsLiability,
          credit: L.PurchasePointsExpense,
          points: sum(event.fromLots),
          memo: `refund ${event.refundId} of order ${event.orderId}`,
        },
        {
          debit: L.NegativeBalanceReceivable,
          credit: L.PurchasePointsExpense,
          points: event.addedToDeficit,
          memo: `refund ${event.refundId}: spent points owed`,
        },
        {
          debit: L.RefundWriteOffExpense,
          credit: L.PurchasePointsExpense,
          points: event.writtenOff,
          memo: `refund ${event.refundId}: spent points written off`,
        },
      ]);
    case 'PointsRedeemed':
      return compact([{ debit: L.CustomerPointsLiability, credit: L.Redemptions, points: event.points, memo: `redemption ${event.redemptionId}` }]);
    case 'RedemptionCancelled':
      return compact([{ debit: L.Redemptions, credit: L.CustomerPointsLiability, points: event.points, memo: `cancelled redemption ${event.redemptionId}` }]);
    case 'PointsExpired':
      return compact([{ debit: L.CustomerPointsLiability, credit: L.Breakage, points: event.points, memo: `expiry run ${event.expiryRunId}` }]);
    case 'PointsAdjusted':
      if (event.lot) return issue(L.AdjustmentPointsExpense, event.points, event.lot.deficitSettled, `adjustment ${event.adjustmentId} (${event.reasonCode})`);
      return compact([
        {
          debit: L.CustomerPointsLiability,
          credit: L.AdjustmentPointsExpense,
          points: sum(event.fromLots),
          memo: `adjustment ${event.adjustmentId} (${event.reasonCode})`,
        },
      ]);
    default:
      return assertNever(event);
  }
}

/** New points: the expense, split between the customer's lot and settling what they owed. */
function issue(expense: LedgerAccount, points: number, deficitSettled: number, memo: string): Posting[] {
  return compact([
    { debit: expense, credit: L.CustomerPointsLiability, points: points - deficitSettled, memo },
    { debit: expense, credit: L.NegativeBalanceReceivable, points: deficitSettled, memo: `${memo}: settles negative balance` },
  ]);
}

function compact(postings: Posting[]): Posting[] {
  return postings.filter((p) => p.points !== 0);
}

function sum(movements: readonly LotMovement[]): number {
  let total = 0;
  for (const m of movements) total += m.points;
  return total;
}

/** Balances per account: debits positive, credits negative. A balanced book sums to zero. */
export function trialBalance(postings: Iterable<Posting>): Map<LedgerAccount, { debit: number; credit: number }> {
  const balances = new Map<LedgerAccount, { debit: number; credit: number }>();
  const row = (account: LedgerAccount) => {
    let r = balances.get(account);
    if (!r) balances.set(account, (r = { debit: 0, credit: 0 }));
    return r;
  };
  for (const p of postings) {
    row(p.debit).debit += p.points;
    row(p.credit).credit += p.points;
  }
  return balances;
}
