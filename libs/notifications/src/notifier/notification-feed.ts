import type { NotificationOutbox, OutboxEntry } from '../outbox/notification-outbox.port';

/** The outbox read in order, for operators and pull consumers. */
export class NotificationFeed {
  constructor(private readonly outbox: NotificationOutbox) {}

  async page(afterSeq: number, limit: number): Promise<{ entries: OutboxEntry[]; headSeq: number }> {
    return { entries: await this.outbox.after(afterSeq, limit), headSeq: await this.outbox.headSeq() };
  }
}
