import { generateWorkload } from './generate-workload';

const businessTime = (c: { type: string } & Record<string, unknown>) => Date.parse(String(c.occurredAt ?? c.openedAt ?? c.enrolledAt));

describe('generateWorkload', () => {
  const options = { seed: 42, customers: 500, purchases: 20_000, enrolCustomers: true, withLines: true };

  it('is deterministic for a seed, and different for another seed', () => {
    const a = JSON.stringify([...generateWorkload(options)]);
    expect(JSON.stringify([...generateWorkload(options)])).toBe(a);
    expect(JSON.stringify([...generateWorkload({ ...options, seed: 43 })])).not.toBe(a);
  });

  it('produces the documented mix, in time order, with integer yen amounts', () => {
    const items = [...generateWorkload(options)];
    const count = (type: string) => items.filter((i) => !i.duplicate && i.command.type === type).length;
    expect(count('RecordPurchase')).toBe(20_000);
    expect(count('RecordRefund') / 20_000).toBeGreaterThan(0.02);
    expect(count('RecordRefund') / 20_000).toBeLessThan(0.04);
    expect(count('RecordSurveyAnswer') / 20_000).toBeGreaterThan(0.08);
    expect(count('RecordSupportContact') / 20_000).toBeGreaterThan(0.04);
    const duplicates = items.filter((i) => i.duplicate).length / items.length;
    expect(duplicates).toBeGreaterThan(0.005);
    expect(duplicates).toBeLessThan(0.02);
    let previous = 0;
    for (const { command, duplicate } of items) {
      if (duplicate || command.type === 'EnrolCustomer' || command.type === 'RecordSupportContact') continue;
      const t = businessTime(command as never);
      expect(t).toBeGreaterThanOrEqual(previous);
      previous = t;
      if (command.type === 'RecordPurchase') expect(Number.isInteger(command.amount) && command.amount > 0).toBe(true);
    }
  });

  it('skews purchase frequency: the top 10% of customers make well over a third of purchases', () => {
    const perCustomer = new Map<string, number>();
    for (const { command, duplicate } of generateWorkload(options)) {
      if (!duplicate && command.type === 'RecordPurchase') perCustomer.set(command.customerId, (perCustomer.get(command.customerId) ?? 0) + 1);
    }
    const counts = [...perCustomer.values()].sort((a, b) => b - a);
    const top = counts.slice(0, 50).reduce((a, b) => a + b, 0);
    expect(top / 20_000).toBeGreaterThan(0.35);
  });

  it('refunds never exceed their purchase', () => {
    const amounts = new Map<string, number>();
    for (const { command } of generateWorkload(options)) {
      if (command.type === 'RecordPurchase') amounts.set(command.orderId, command.amount);
      if (command.type === 'RecordRefund') expect(command.amount).toBeLessThanOrEqual(amounts.get(command.orderId)!);
    }
  });
});
