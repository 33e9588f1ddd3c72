import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { describeTierStatus, evaluateTier, formatInstant, type RuleBook } from '@loyalty/program-rules';
import { pointsPosition, type LoyaltyAccountState } from '@loyalty/ledger-domain';

const DAY = 86_400_000;

class NextExpiryView {
  @ApiProperty() at!: string;
  @ApiProperty() points!: number;
}

class PointsView {
  @ApiProperty({ description: 'Spendable now' }) available!: number;
  @ApiProperty({ description: 'Earned, within the return window' }) pending!: number;
  @ApiProperty({ description: 'Past expiry, not yet written off by an expiry run' }) awaitingExpiry!: number;
  @ApiProperty({ description: 'Owed after refunds of spent points' }) deficit!: number;
  @ApiProperty({ description: 'Every unspent point on the account: the liability' }) outstanding!: number;
  @ApiPropertyOptional({ type: NextExpiryView, nullable: true }) nextExpiry!: NextExpiryView | null;
  @ApiProperty({ example: { '30': 120, '60': 300, '90': 300 }, description: 'Points expiring within 30, 60 and 90 days' }) expiringWithinDays!: Record<'30' | '60' | '90', number>;
}

class TierView {
  @ApiProperty() name!: string;
  @ApiProperty() earnMultiplierPercent!: number;
  @ApiProperty() reason!: string;
}

class LotView {
  @ApiProperty() lotId!: string;
  @ApiProperty() source!: Record<string, string>;
  @ApiProperty() points!: number;
  @ApiProperty() remaining!: number;
  @ApiProperty() earnedAt!: string;
  @ApiProperty() availableAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ enum: ['pending', 'available', 'awaiting-expiry'] }) status!: string;
}

export class AccountView {
  @ApiProperty() customerId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ description: 'Account stream revision the view was folded to' }) revision!: string;
  @ApiProperty({ type: PointsView }) points!: PointsView;
  @ApiProperty({ type: TierView }) tier!: TierView;
  @ApiProperty({ type: [LotView], description: 'Lots with points left' }) lots!: LotView[];
  @ApiPropertyOptional({ description: 'From the read models (where the projector runs): RFM segment, loyalty classification, latest NPS, CLV' })
  insights?: Record<string, unknown>;
}

/** The account's points state as of an instant, from the folded stream. */
export function toAccountView(customerId: string, state: LoyaltyAccountState, revision: bigint, ruleBook: RuleBook, asOfMs: number): AccountView {
  const position = pointsPosition(state, asOfMs);
  const rules = ruleBook.inForceAt(asOfMs).rules;
  const tier = evaluateTier(state.qualifying, rules.tiers, asOfMs);
  const expiring = (days: number) =>
    state.lots.filter((l) => l.remaining > 0 && l.expiresAtMs > asOfMs && l.expiresAtMs <= asOfMs + days * DAY).reduce((sum, l) => sum + l.remaining, 0);
  return {
    customerId,
    asOf: formatInstant(asOfMs),
    revision: revision.toString(),
    points: {
      available: position.available,
      pending: position.pending,
      awaitingExpiry: position.awaitingExpiry,
      deficit: position.deficit,
      outstanding: position.outstanding,
      nextExpiry: position.nextExpiry ? { at: formatInstant(position.nextExpiry.at), points: position.nextExpiry.points } : null,
      expiringWithinDays: { '30': expiring(30), '60': expiring(60), '90': expiring(90) },
    },
    tier: { name: tier.level.name, earnMultiplierPercent: tier.level.earnMultiplierPercent, reason: describeTierStatus(tier, rules.tiers) },
    lots: state.lots
      .filter((l) => l.remaining > 0)
      .map((l) => ({
        lotId: l.lotId,
        source: l.source as unknown as Record<string, string>,
        points: l.points,
        remaining: l.remaining,
        earnedAt: formatInstant(l.earnedAtMs),
        availableAt: formatInstant(l.availableAtMs),
        expiresAt: formatInstant(l.expiresAtMs),
        status: asOfMs >= l.expiresAtMs ? 'awaiting-expiry' : asOfMs >= l.availableAtMs ? 'available' : 'pending',
      })),
  };
}
