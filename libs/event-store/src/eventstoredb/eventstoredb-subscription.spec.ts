import type { AllStreamResolvedEvent, Position } from '@eventstore/db-client';
import type { StoredEvent } from '../port/event-store.port';
import { encodePosition } from './eventstoredb-codec';
import { EventStoreDbSubscription, type AllSubscriber } from './eventstoredb-event-store';

const at = (commit: bigint): AllStreamResolvedEvent =>
  ({
    event: {
      streamId: 'loyaltyAccount-C',
      id: `00000000-0000-5000-8000-${String(commit).padStart(12, '0')}`,
      revision: commit,
      type: 't',
      data: { n: Number(commit) },
      metadata: { schemaVersion: 1 },
      isJson: true,
      created: new Date(0),
      position: { commit, prepare: commit },
    },
  }) as unknown as AllStreamResolvedEvent;

/** A fake server: each subscribeToAll replays the log from the requested (inclusive) position, then fails. */
function flakyServer(log: AllStreamResolvedEvent[], failAfter: number[]): AllSubscriber & { requests: (Position | 'start')[] } {
  const requests: (Position | 'start')[] = [];
  return {
    requests,
    subscribeToAll({ fromPosition }) {
      requests.push(fromPosition as Position | 'start');
      const start = fromPosition === 'start' ? 0 : log.findIndex((e) => e.event!.position!.commit >= (fromPosition as Position).commit);
      const limit = failAfter[requests.length - 1] ?? log.length;
      const slice = log.slice(start, start + limit);
      const fail = requests.length <= failAfter.length;
      let unsubscribed!: () => void;
      const ended = new Promise<void>((resolve) => (unsubscribed = resolve));
      return Object.assign(
        (async function* () {
          for (const e of slice) yield e;
          if (fail) throw Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 });
          await ended; // live: nothing more until unsubscribed
        })(),
        { unsubscribe: async () => unsubscribed() },
      );
    },
  };
}

describe('EventStoreDbSubscription (no server: a fake one that drops connections)', () => {
  it('resumes after the last handled event on every reconnect, delivering each event once, in order', async () => {
    const log = [1n, 2n, 3n, 4n, 5n, 6n].map(at);
    const server = flakyServer(log, [2, 3]);
    const seen: StoredEvent[] = [];
    const errors: unknown[] = [];
    const subscription = new EventStoreDbSubscription(server, 0n, (events) => void seen.push(...events), { onError: (e) => errors.push(e) }, 1);
    while (seen.length < 6) await new Promise((r) => setTimeout(r, 5));
    await subscription.close();
    expect(seen.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(errors).toHaveLength(2);
    // Reconnected from the checkpoint (inclusive on the server, skipped by the subscription).
    expect(server.requests).toEqual(['start', { commit: 2n, prepare: 2n }, { commit: 4n, prepare: 4n }]);
    expect(subscription.position).toBe(encodePosition({ commit: 6n, prepare: 6n }));
  });

  it('starts from a stored checkpoint', async () => {
    const server = flakyServer([1n, 2n, 3n].map(at), []);
    const seen: number[] = [];
    const subscription = new EventStoreDbSubscription(
      server,
      encodePosition({ commit: 2n, prepare: 2n }),
      (events) => void seen.push(...events.map((e) => e.data.n as number)),
      {},
      1,
    );
    while (seen.length < 1) await new Promise((r) => setTimeout(r, 5));
    await subscription.close();
    expect(seen).toEqual([3]);
  });
});
