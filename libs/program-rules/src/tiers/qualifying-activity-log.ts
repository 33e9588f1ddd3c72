import type { TierRules } from '../program-rules.types';

/** One thing that counts towards a tier: a purchase's net spend and the points it earned. */
export interface QualifyingActivity {
  atMs: number;
  spendMinor: number;
  points: number;
}

/**
 * Late arrivals held aside before they are merged in and the sums rebuilt once for all of them:
 * at least this many, or the square root of the log's size (a rebuild's cost spread over as
 * many arrivals as a window total then counts one by one).
 */
const LATE_MERGE_AT_LEAST = 64;

/**
 * Activities in time order with Fenwick-tree sums, so that a window's total costs
 * O(log n) for a customer with thousands of purchases. A refund adjusts its purchase in place.
 * An activity older than the newest (Kafka partitions, a second source, a backfill) waits in a
 * short list, counted one by one, until enough have come to merge them and rebuild the sums
 * once: rebuilding at each one cost a frequent buyer's whole history per late purchase.
 */
export class QualifyingActivityLog {
  private items: QualifyingActivity[] = [];
  private spendTree: number[] = [0];
  private pointsTree: number[] = [0];
  /** Arrivals older than the newest summed activity, not in the sums yet. */
  private late: QualifyingActivity[] = [];

  /**
   * A log of copies of `activities`, in any order: sorted once (stable, as `add` keeps equal
   * instants in arrival order) and summed once.
   */
  static of(activities: readonly QualifyingActivity[]): QualifyingActivityLog {
    const log = new QualifyingActivityLog();
    log.items = activities.map((a) => ({ ...a })).sort((x, y) => x.atMs - y.atMs);
    log.rebuild();
    return log;
  }

  /** Adds in time order (an older arrival waits among the late ones until they are merged). */
  add(activity: QualifyingActivity): QualifyingActivity {
    const items = this.items;
    if (items.length === 0 || items[items.length - 1].atMs <= activity.atMs) {
      items.push(activity);
      // Node n covers items (n - lowbit(n), n]: its own value plus the earlier ones it spans.
      const n = items.length;
      const from = n - (n & -n);
      this.spendTree.push(activity.spendMinor + this.prefix(this.spendTree, n - 1) - this.prefix(this.spendTree, from));
      this.pointsTree.push(activity.points + this.prefix(this.pointsTree, n - 1) - this.prefix(this.pointsTree, from));
    } else {
      this.late.push(activity);
      if (this.late.length >= Math.max(LATE_MERGE_AT_LEAST, Math.sqrt(items.length))) this.mergeLate();
    }
    return activity;
  }

  /** Changes an activity already in the log (a refund lowers its spend and points). */
  adjust(activity: QualifyingActivity, spendDelta: number, pointsDelta: number): void {
    // A late one is not in the sums yet: changing it is enough.
    if (!this.late.includes(activity)) {
      let i = this.lowerBound(activity.atMs);
      while (i < this.items.length && this.items[i] !== activity) i++;
      if (i === this.items.length) throw new Error('activity is not in this log');
      this.bump(i, spendDelta, pointsDelta);
    }
    activity.spendMinor += spendDelta;
    activity.points += pointsDelta;
  }

  /** Sum over activities with fromMs <= atMs < toMs. */
  total(basis: TierRules['basis'], fromMs: number, toMs: number): number {
    const tree = basis === 'spend' ? this.spendTree : this.pointsTree;
    let sum = this.prefix(tree, this.lowerBound(toMs)) - this.prefix(tree, this.lowerBound(fromMs));
    for (const a of this.late) if (a.atMs >= fromMs && a.atMs < toMs) sum += basis === 'spend' ? a.spendMinor : a.points;
    return sum;
  }

  get size(): number {
    return this.items.length + this.late.length;
  }

  /**
   * The late arrivals into their places (after the activities of the same instant, in arrival
   * order), the sums rebuilt. Each is older than the newest summed activity, so all are placed
   * before it.
   */
  private mergeLate(): void {
    const late = this.late.sort((x, y) => x.atMs - y.atMs);
    const merged: QualifyingActivity[] = [];
    let j = 0;
    for (const item of this.items) {
      while (j < late.length && late[j].atMs < item.atMs) merged.push(late[j++]);
      merged.push(item);
    }
    this.items = merged;
    this.late = [];
    this.rebuild();
  }

  /** The first index whose atMs >= ms. */
  private lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].atMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds to item `index` in both trees (1-based Fenwick indices). */
  private bump(index: number, spend: number, points: number): void {
    for (let i = index + 1; i < this.spendTree.length; i += i & -i) {
      this.spendTree[i] += spend;
      this.pointsTree[i] += points;
    }
  }

  /** Sum of the first `count` items. */
  private prefix(tree: number[], count: number): number {
    let sum = 0;
    for (let i = count; i > 0; i -= i & -i) sum += tree[i];
    return sum;
  }

  private rebuild(): void {
    this.spendTree = new Array<number>(this.items.length + 1).fill(0);
    this.pointsTree = new Array<number>(this.items.length + 1).fill(0);
    this.items.forEach((a, i) => this.bump(i, a.spendMinor, a.points));
  }
}
