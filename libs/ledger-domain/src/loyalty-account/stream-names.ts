/** The one place that names an account's stream; `loyaltyAccount-<customerId>`. */
export const LOYALTY_ACCOUNT_STREAM_PREFIX = 'loyaltyAccount-';

export function loyaltyAccountStream(customerId: string): string {
  return `${LOYALTY_ACCOUNT_STREAM_PREFIX}${customerId}`;
}

export function customerIdOfStream(stream: string): string | null {
  return stream.startsWith(LOYALTY_ACCOUNT_STREAM_PREFIX) ? stream.slice(LOYALTY_ACCOUNT_STREAM_PREFIX.length) : null;
}
