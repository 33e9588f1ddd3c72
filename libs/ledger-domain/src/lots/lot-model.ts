import { parseInstant } from '@loyalty/program-rules';
import type { LedgerEvent, LotMovement, LotSource } from '../loyalty-account/ledger-events';
import { assertNever } from '../loyalty-account/source-keys';

/**
 * The one lot model: what a lot of points is at an instant, and which lots an event touches.
 * The account, the balances read model, the finance reports and the expiry decision all use
 * it, so that every door gives the same answer for the same instant.
 *
 * "As of t" counts the entries whose business time is at or before t: a lot exists from its
 * earnedAt, and each later movement (redemption, refund, expiry, ...) counts from its own
 * business time, whenever it was recorded.
 */

/** What a lot is at an instant. */
export type LotStatus =
  /** Earned, within the return window: owed, not yet spendable. */
  | 'pending'
  /** Spendable. */
  | 'available'
  /** Past its expiry instant with points left, and no expiry entry yet: not owed any more; the expiry job posts the entry, dated at the expiry instant. */
  | 'expired-awaiting-run'
  /** Its last points were taken by an expiry entry. */
  | 'expired'
  /** Its last points were spent (redeemed, debited by an adjustment). */
  | 'consumed'
  /** Its last points were taken back by a refund. */
  | 'reversed';

export type LotMoveCause = 'redeemed' | 'redemption-cancelled' | 'expired' | 'reversed' | 'adjusted';

/** A change of a lot's points after it was credited, at the business time of its entry. */
export interface LotMove {
  atMs: number;
  /** Signed: negative takes points from the lot, positive gives them back. */
  points: number;
  cause: LotMoveCause;
}

/** A lot with its dates and history: enough to say what it holds at any instant. */
export interface DatedLot {
  earnedAtMs: number;
  availableAtMs: number;
  expiresAtMs: number;
  /** Points credited when the lot was created (after any deficit it settled). */
  points: number;
  /** Every later change, in recording order (not necessarily business-time order). */
  moves: LotMove[];
}

/** A change of what the customer owes after refunds of spent points, at its business time. */
export interface DeficitMove {
  atMs: number;
  /** Positive: owed (a refund of spent points); negative: settled by a later earning. */
  points: number;
}

/** A lot an event creates. */
export interface OpenedLot {
  lotId: string;
  source: LotSource;
  points: number;
  earnedAtMs: number;
  availableAtMs: number;
  expiresAtMs: number;
}

/** What one event does to the customer's lots and deficit, at its business time. */
export interface LotEffects {
  atMs: number;
  /** The lots it creates (one for an earning, each migrated lot for an opening balance). */
  opened: readonly OpenedLot[];
  moves: { lotId: string; points: number; cause: LotMoveCause }[];
  /** Signed change of the deficit. */
  deficit: number;
}

/** Shared by the events that open no lot: lotEffectsOf runs per event on every replay. */
const NO_LOTS: readonly OpenedLot[] = Object.freeze([]);

/** Which lots an event touches, and how. Null for events that move no points. */
export function lotEffectsOf(event: LedgerEvent): LotEffects | null {
  switch (event.type) {
    case 'AccountOpened':
    case 'CustomerEnrolled':
    case 'PurchaseRecorded':
    case 'SurveyAnswered':
    case 'SupportContactRecorded':
      return null;
    case 'OpeningBalanceMigrated': {
      // A migrated lot exists in this ledger from the cutover: before it, the other program owed it.
      const atMs = parseInstant(event.migratedAt);
      return {
        atMs,
        opened: event.lots.map((lot) => ({
          lotId: lot.lotId,
          source: { kind: 'migration' as const, migrationId: event.migrationId, ref: lot.ref },
          points: lot.points,
          earnedAtMs: atMs,
          availableAtMs: parseInstant(lot.availableAt),
          expiresAtMs: parseInstant(lot.expiresAt),
        })),
        moves: [],
        deficit: 0,
      };
    }
    case 'PointsEarned':
    case 'BonusAwarded': {
      const atMs = parseInstant(event.earnedAt);
      return {
        atMs,
        opened: [
          {
            lotId: event.lotId,
            source: event.source,
            points: event.points - event.deficitSettled,
            earnedAtMs: atMs,
            availableAtMs: parseInstant(event.availableAt),
            expiresAtMs: parseInstant(event.expiresAt),
          },
        ],
        moves: [],
        deficit: -event.deficitSettled,
      };
    }
    case 'PointsAdjusted': {
      const atMs = parseInstant(event.occurredAt);
      if (event.lot) {
        const lot = event.lot;
        return {
          atMs,
          opened: [
            {
              lotId: lot.lotId,
              source: { kind: 'adjustment', adjustmentId: event.adjustmentId },
              points: event.points - lot.deficitSettled,
              earnedAtMs: atMs,
              availableAtMs: parseInstant(lot.availableAt),
              expiresAtMs: parseInstant(lot.expiresAt),
            },
          ],
          moves: [],
          deficit: -lot.deficitSettled,
        };
      }
      return { atMs, opened: NO_LOTS, moves: taken(event.fromLots, 'adjusted'), deficit: 0 };
    }
    case 'PointsRedeemed':
      return { atMs: parseInstant(event.occurredAt), opened: NO_LOTS, moves: taken(event.fromLots, 'redeemed'), deficit: 0 };
    case 'RedemptionCancelled':
      return {
        atMs: parseInstant(event.occurredAt),
        opened: NO_LOTS,
        moves: event.toLots.map((m) => ({ lotId: m.lotId, points: m.points, cause: 'redemption-cancelled' as const })),
        deficit: 0,
      };
    case 'PointsReversed':
      return { atMs: parseInstant(event.occurredAt), opened: NO_LOTS, moves: taken(event.fromLots, 'reversed'), deficit: event.addedToDeficit };
    case 'PointsExpired':
      return { atMs: parseInstant(event.asOf), opened: NO_LOTS, moves: taken(event.lots, 'expired'), deficit: 0 };
    default:
      return assertNever(event);
  }
}

function taken(movements: readonly LotMovement[], cause: LotMoveCause): LotEffects['moves'] {
  return movements.map((m) => ({ lotId: m.lotId, points: -m.points, cause }));
}

/** The lot ids an event names (created or moved): for drill-downs and itemized storage. */
export function lotIdsTouchedBy(event: LedgerEvent): string[] {
  const effects = lotEffectsOf(event);
  if (!effects) return [];
  return effects.opened.length > 0 ? effects.opened.map((l) => l.lotId) : effects.moves.map((m) => m.lotId);
}

/** Points in the lot at the instant: credited if earned by then, plus every move dated at or before it. */
export function remainingAt(lot: DatedLot, atMs: number): number {
  if (atMs < lot.earnedAtMs) return 0;
  let remaining = lot.points;
  for (const m of lot.moves) if (m.atMs <= atMs) remaining += m.points;
  return remaining;
}

/** Points in the lot after every recorded move, whatever its business time. */
export function remainingRecorded(lot: DatedLot): number {
  let remaining = lot.points;
  for (const m of lot.moves) remaining += m.points;
  return remaining;
}

/** The status of a lot holding `remaining` points at the instant, from its dates (the lot has been earned). */
export function statusWithPoints(
  lot: Pick<DatedLot, 'availableAtMs' | 'expiresAtMs'>,
  remaining: number,
  atMs: number,
): 'pending' | 'available' | 'expired-awaiting-run' | null {
  if (remaining <= 0) return null;
  if (atMs >= lot.expiresAtMs) return 'expired-awaiting-run';
  return atMs >= lot.availableAtMs ? 'available' : 'pending';
}

/** What the lot is at the instant; null before it was earned. */
export function lotStatusAt(lot: DatedLot, atMs: number): { status: LotStatus; remaining: number } | null {
  if (atMs < lot.earnedAtMs) return null;
  const remaining = remainingAt(lot, atMs);
  const live = statusWithPoints(lot, remaining, atMs);
  if (live) return { status: live, remaining };
  // Empty: named by the latest move that took points, up to the instant.
  let last: LotMove | null = null;
  for (const m of lot.moves) if (m.points < 0 && m.atMs <= atMs && (last === null || m.atMs >= last.atMs)) last = m;
  const status: LotStatus = last?.cause === 'expired' ? 'expired' : last?.cause === 'reversed' ? 'reversed' : 'consumed';
  return { status, remaining };
}

/**
 * The most that may be taken from the lot at the instant without leaving it below zero at any
 * later instant: moves recorded earlier may be dated later (a late message), so what a
 * redemption dated `atMs` may take is the least the lot holds from `atMs` on.
 */
export function spendableFrom(lot: DatedLot, atMs: number): number {
  if (atMs < lot.earnedAtMs) return 0;
  let running = remainingAt(lot, atMs);
  let least = running;
  const later = lot.moves.filter((m) => m.atMs > atMs);
  if (later.length > 0) {
    later.sort((a, b) => a.atMs - b.atMs);
    for (let i = 0; i < later.length; i++) {
      running += later[i].points;
      // Moves at one instant count together.
      if (i + 1 === later.length || later[i + 1].atMs !== later[i].atMs) least = Math.min(least, running);
    }
  }
  return Math.max(least, 0);
}

/** The deficit (points owed) at the instant. */
export function deficitAt(moves: readonly DeficitMove[], atMs: number): number {
  let owed = 0;
  for (const m of moves) if (m.atMs <= atMs) owed += m.points;
  return owed;
}

/** The most of the deficit an earning dated `atMs` may settle without leaving it below zero later. */
export function settleableDeficitFrom(moves: readonly DeficitMove[], atMs: number): number {
  let running = deficitAt(moves, atMs);
  let least = running;
  const later = moves.filter((m) => m.atMs > atMs).sort((a, b) => a.atMs - b.atMs);
  for (let i = 0; i < later.length; i++) {
    running += later[i].points;
    if (i + 1 === later.length || later[i + 1].atMs !== later[i].atMs) least = Math.min(least, running);
  }
  return Math.max(least, 0);
}

/**
 * When a lot's leftover points expire: at its expiry instant, or, for points given back to it
 * after that instant (a cancelled redemption), at the instant they came back. An expiry entry
 * is dated here, so the books are right for every date whenever the expiry job ran.
 */
export function expiryInstantOf(lot: DatedLot): number {
  let at = lot.expiresAtMs;
  for (const m of lot.moves) if (m.atMs > at) at = m.atMs;
  return at;
}

/** The points of the lot an expiry run at `cutoffMs` must expire, and the instant they expire at; null if none are due. */
export function dueExpiry(lot: DatedLot, cutoffMs: number): { atMs: number; points: number } | null {
  const points = remainingRecorded(lot);
  if (points <= 0 || lot.expiresAtMs > cutoffMs) return null;
  const atMs = expiryInstantOf(lot);
  return atMs <= cutoffMs ? { atMs, points } : null;
}

/** The standard horizons of "expiring soon", in days. */
export const EXPIRY_HORIZON_DAYS = [30, 60, 90] as const;
export type ExpiryHorizons = Record<'30' | '60' | '90', number>;

/** What a customer holds at one instant. */
export interface Holdings {
  /** Spendable: available lots minus what is owed (below zero only if the refund policy allows a negative balance). */
  available: number;
  /** Earned, within the return window. */
  pending: number;
  /** Past expiry, not yet taken by an expiry entry: no longer owed (see LotStatus). */
  awaitingExpiry: number;
  /** Owed after refunds of spent points. */
  deficit: number;
  /** The points liability: every point the customer may still use (available lots + pending). */
  outstanding: number;
  /** The soonest expiry after the instant among owed lots, and the points it takes. */
  nextExpiry: { atMs: number; points: number } | null;
  /** Owed points whose expiry is within 30, 60 and 90 days after the instant. */
  expiringWithinDays: ExpiryHorizons;
}

const DAY_MS = 86_400_000;

/** Accumulates lots classified at one instant into holdings. */
export class HoldingsBuilder {
  private availableLots = 0;
  private pending = 0;
  private awaitingExpiry = 0;
  private nextAt = Infinity;
  private nextPoints = 0;
  private readonly within: ExpiryHorizons = { '30': 0, '60': 0, '90': 0 };

  constructor(readonly atMs: number) {}

  /** Adds a lot holding `remaining` points at the instant (already earned by then). */
  add(lot: Pick<DatedLot, 'availableAtMs' | 'expiresAtMs'>, remaining: number): void {
    const status = statusWithPoints(lot, remaining, this.atMs);
    if (status === null) return;
    if (status === 'expired-awaiting-run') {
      this.awaitingExpiry += remaining;
      return;
    }
    if (status === 'available') this.availableLots += remaining;
    else this.pending += remaining;
    if (lot.expiresAtMs < this.nextAt) {
      this.nextAt = lot.expiresAtMs;
      this.nextPoints = remaining;
    } else if (lot.expiresAtMs === this.nextAt) this.nextPoints += remaining;
    for (const days of EXPIRY_HORIZON_DAYS) if (lot.expiresAtMs <= this.atMs + days * DAY_MS) this.within[days] += remaining;
  }

  build(deficit: number): Holdings {
    return {
      available: this.availableLots - deficit,
      pending: this.pending,
      awaitingExpiry: this.awaitingExpiry,
      deficit,
      outstanding: this.availableLots + this.pending,
      nextExpiry: this.nextAt === Infinity ? null : { atMs: this.nextAt, points: this.nextPoints },
      expiringWithinDays: { ...this.within },
    };
  }
}

/** What the customer holds at the instant, from their dated lots and deficit moves. */
export function holdingsAt(lots: Iterable<DatedLot>, deficitMoves: readonly DeficitMove[], atMs: number): Holdings {
  const builder = new HoldingsBuilder(atMs);
  for (const lot of lots) if (atMs >= lot.earnedAtMs) builder.add(lot, remainingAt(lot, atMs));
  return builder.build(deficitAt(deficitMoves, atMs));
}

/** Lots in spending order: soonest expiry first, then oldest, then by id (deterministic). */
export function bySpendingOrder(a: DatedLot & { lotId: string }, b: DatedLot & { lotId: string }): number {
  return a.expiresAtMs - b.expiresAtMs || a.earnedAtMs - b.earnedAtMs || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0);
}
