import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { describeTierStatus, evaluateTier, formatInstant, type RuleBook } from '@loyalty/program-rules';
import { accountHoldingsAt, lotStatusAt, type LotStatus, type LoyaltyAccountState } from '@loyalty/ledger-domain';

class NextExpiryView {
  @ApiProperty() at!: string;
  @ApiProperty() points!: number;
}

class PointsView {
  @ApiProperty({ description: 'Spendable now' }) available!: number;
  @ApiProperty({ description: 'Earned, within the return window' }) pending!: number;
  @ApiProperty({ description: 'Past expiry with no expiry entry yet: no longer owed nor spendable; the expiry job posts it, dated at the expiry instant' })
  awaitingExpiry!: number;
  @ApiProperty({ description: 'Owed after refunds of spent points' }) deficit!: number;
  @ApiProperty({ description: 'Every point the customer may still use (available lots + pending): the liability' }) outstanding!: number;
  @ApiPropertyOptional({ type: NextExpiryView, nullable: true }) nextExpiry!: NextExpiryView | null;
  @ApiProperty({ example: { '30': 120, '60': 300, '90': 300 }, description: 'Points expiring within 30, 60 and 90 days' }) expiringWithinDays!: Record<
    '30' | '60' | '90',
    number
  >;
}

class TierView {
  @ApiProperty() name!: string;
  @ApiProperty() earnMultiplierPercent!: number;
  @ApiProperty() reason!: string;
}

class LotView {
  @ApiProperty() lotId!: string;
  @ApiProperty() source!: Record<string, string>;
  @ApiProperty({ description: 'Points credited when the lot was created' }) points!: number;
  @ApiProperty({ description: 'Points left as of asOf' }) remaining!: number;
  @ApiProperty() earnedAt!: string;
  @ApiProperty() availableAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ enum: ['pending', 'available', 'expired-awaiting-run'] }) status!: LotStatus;
}

export class AccountView {
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'The instant the view is for: it counts the entries dated (business time) at or before it' }) asOf!: string;
  @ApiProperty({ description: 'Account stream revision the view was folded to' }) revision!: string;
  @ApiPropertyOptional({ description: 'Set when the view is of the ledger as recorded up to a position (atPosition) or instant (knownAt)', nullable: true })
  recordedUpTo?: { atPosition?: string; knownAt?: string } | null;
  @ApiProperty({ type: PointsView }) points!: PointsView;
  @ApiProperty({ type: TierView }) tier!: TierView;
  @ApiProperty({ type: [LotView], description: 'Lots with points left as of asOf, in the order earned: the first `lotsLimit` of them' }) lots!: LotView[];
  @ApiProperty({ description: 'How many lots have points left as of asOf (lots shows at most lotsLimit of them)' }) lotsTotal!: number;
  @ApiPropertyOptional({ description: 'With include=insights, from the read models (where they are): RFM segment, loyalty classification, latest NPS, CLV' })
  insights?: Record<string, unknown>;
}

/** The account's points as of an instant, from the folded stream, through the one lot model. */
/** Lots listed in an account view unless asked otherwise: an app screen needs a few, not a frequent buyer's thousands. */
export const DEFAULT_LOTS_LIMIT = 100;
export const MAX_LOTS_LIMIT = 10_000;

export function toAccountView(
  customerId: string,
  state: LoyaltyAccountState,
  revision: bigint,
  ruleBook: RuleBook,
  asOfMs: number,
  lotsLimit = DEFAULT_LOTS_LIMIT,
): AccountView {
  const holdings = accountHoldingsAt(state, asOfMs);
  const rules = ruleBook.inForceAt(asOfMs).rules;
  const tier = evaluateTier(state.qualifying, rules.tiers, asOfMs);
  const lots: LotView[] = [];
  let lotsTotal = 0;
  for (const lot of state.lots) {
    const at = lotStatusAt(lot, asOfMs);
    if (!at || at.remaining <= 0) continue;
    if (lotsTotal++ >= lotsLimit) continue;
    lots.push({
      lotId: lot.lotId,
      source: lot.source as unknown as Record<string, string>,
      points: lot.points,
      remaining: at.remaining,
      earnedAt: formatInstant(lot.earnedAtMs),
      availableAt: formatInstant(lot.availableAtMs),
      expiresAt: formatInstant(lot.expiresAtMs),
      status: at.status,
    });
  }
  return {
    customerId,
    asOf: formatInstant(asOfMs),
    revision: revision.toString(),
    points: {
      available: holdings.available,
      pending: holdings.pending,
      awaitingExpiry: holdings.awaitingExpiry,
      deficit: holdings.deficit,
      outstanding: holdings.outstanding,
      nextExpiry: holdings.nextExpiry ? { at: formatInstant(holdings.nextExpiry.atMs), points: holdings.nextExpiry.points } : null,
      expiringWithinDays: holdings.expiringWithinDays,
    },
    tier: { name: tier.level.name, earnMultiplierPercent: tier.level.earnMultiplierPercent, reason: describeTierStatus(tier, rules.tiers) },
    lots,
    lotsTotal,
  };
}
