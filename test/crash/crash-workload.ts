import type { CommandEnvelope } from '@loyalty/ledger-application';
import { generateWorkload } from '@loyalty/workload-generator';

/** The crash test's workload: every kind of command, duplicates included, in a fixed order. */
export function crashWorkload(seed: number, purchases: number, customers: number): CommandEnvelope[] {
  return [...generateWorkload({ seed, purchases, customers, enrolCustomers: true, withLines: true, duplicateRate: 0.02 })].map((item, index) => ({
    command: item.command,
    provenance: { channel: 'batch', batchId: `crash-${seed}`, index },
  }));
}
