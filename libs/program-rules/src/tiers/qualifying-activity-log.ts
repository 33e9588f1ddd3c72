import type { TierRules } from '../program-rules.types';

/** One thing that counts towards a tier: a purchase's net spend and the points it earned. */
export interface QualifyingActivity {
  atMs: number;
  spendMinor: number;
  points: number;
}

/**
 * Activities in time order with Fenwick-tree sums, so that a window's total costs
 * O(log n) for a customer with thousands of purchases. A refund adjusts its purchase in place.
 */
export class QualifyingActivityLog {
  private readonly items: QualifyingActivity[] = [];
  private spendTree: number[] = [0];
  private pointsTree: number[] = [0];

  /**
   * A log of copies of `activities`, in any order: sorted once (stable, as `add` keeps equal
   * instants in arrival order) and summed once. Added one by one, each arrival out of time order
   * would rebuild the sums: quadratic for a history that arrived unordered (a backfill, Kafka
   * partitions), seconds for a customer with a hundred thousand purchases.
   */
  static of(activities: readonly QualifyingActivity[]): QualifyingActivityLog {
    const log = new QualifyingActivityLog();
    const sorted = activities.map((a) => ({ ...a })).sort((x, y) => x.atMs - y.atMs);
    for (const a of sorted) log.items.push(a);
    log.rebuild();
    return log;
  }

  /** Adds in time order (an out-of-order arrival is inserted where it belongs and the sums rebuilt). */
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
      items.splice(this.lowerBound(activity.atMs + 1), 0, activity);
      this.rebuild();
    }
    return activity;
  }

  /** Changes an activity already in the log (a refund lowers its spend and points). */
  adjust(activity: QualifyingActivity, spendDelta: number, pointsDelta: number): void {
    activity.spendMinor += spendDelta;
    activity.points += pointsDelta;
    let i = this.lowerBound(activity.atMs);
    while (i < this.items.length && this.items[i] !== activity) i++;
    if (i === this.items.length) throw new Error('activity is not in this log');
    this.bump(i, spendDelta, pointsDelta);
  }

  /** Sum over activities with fromMs <= atMs < toMs. */
  total(basis: TierRules['basis'], fromMs: number, toMs: number): number {
    const tree = basis === 'spend' ? this.spendTree : this.pointsTree;
    return this.prefix(tree, this.lowerBound(toMs)) - this.prefix(tree, this.lowerBound(fromMs));
  }

  get size(): number {
    return this.items.length;
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
