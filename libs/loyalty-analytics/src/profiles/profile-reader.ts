import type { ProjectionStore } from '@loyalty/projection-runner';
import { customerProfileProjection, projectionKey, type CustomerProfile } from '@loyalty/read-models';

/** Reads the customer-profile read model: the live tables, or those of the read view in force. */
export class ProfileReader {
  constructor(
    private readonly store: ProjectionStore,
    private readonly keyOf: () => string = () => projectionKey(customerProfileProjection),
  ) {}

  private get key(): string {
    return this.keyOf();
  }

  async profile(customerId: string): Promise<CustomerProfile | null> {
    const found = await this.store.load(this.key, [customerId]);
    return (found.get(customerId) as CustomerProfile | undefined) ?? null;
  }

  /** Every profile, streamed in customer-id order (never all held at once). */
  async *all(): AsyncIterable<CustomerProfile> {
    for await (const [, state] of this.store.entries(this.key)) yield state as CustomerProfile;
  }
}
