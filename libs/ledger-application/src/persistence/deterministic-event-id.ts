import { createHash } from 'node:crypto';

/** Namespace for the ledger's name-based (v5) event ids. Never change it. */
const LEDGER_EVENT_ID_NAMESPACE = Buffer.from('6f1c2a4e9b7d4c3a8e5f0a1b2c3d4e5f', 'hex');

let lastCustomer = '';
let lastSource = '';
let lastBase = Buffer.alloc(20);

/**
 * A UUID v5 from the customer, the command's source key and the event's index in the
 * decision: the same source always yields the same ids, so a retried append is recognised
 * by the store (and by EventStoreDB's own idempotence).
 */
export function deterministicEventId(customerId: string, sourceKey: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new RangeError(`event index ${index} out of range`);
  // One hash per command: its events differ in the last two bytes (the index).
  if (lastCustomer !== customerId || lastSource !== sourceKey) {
    lastBase = createHash('sha1').update(LEDGER_EVENT_ID_NAMESPACE).update(`${customerId}\u0000${sourceKey}`).digest();
    lastBase[6] = (lastBase[6] & 0x0f) | 0x50;
    lastBase[8] = (lastBase[8] & 0x3f) | 0x80;
    lastCustomer = customerId;
    lastSource = sourceKey;
  }
  const hash = Buffer.from(lastBase.subarray(0, 16));
  hash[14] ^= index >> 8;
  hash[15] ^= index & 0xff;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
