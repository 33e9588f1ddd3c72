import { randomUUID } from 'node:crypto';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { EventStoreUnavailableError } from '../port/event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

// The same contract as the embedded adapters, against a real server when one is configured.
// No EventStoreDB server can be installed on this project's machines: without one, the suite
// is reported as skipped, with the reason on one line, and never counted as passed.
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

describeEventStoreContract(
  'eventstoredb',
  async () => {
    const store = EventStoreDbEventStore.fromConnectionString(connectionString!);
    return { store, secondConnection: async () => EventStoreDbEventStore.fromConnectionString(connectionString!), cleanup: () => store.close() };
  },
  connectionString
    ? {}
    : {
        skipReason:
          'EVENTSTORE_CONNECTION_STRING is not set (no EventStoreDB server on this machine; e.g. esdb://localhost:2113?tls=false with infra/docker-compose.yml)',
      },
);

describe('EventStoreDbEventStore without a server', () => {
  it('rejects a malformed connection string', () => {
    expect(() => EventStoreDbEventStore.fromConnectionString('http://not-esdb')).toThrow();
  });

  it('reports an unreachable server as retryable unavailability, not as a generic failure', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const store = EventStoreDbEventStore.fromConnectionString('esdb://127.0.0.1:1?tls=false&defaultDeadline=2000&discoveryInterval=10&maxDiscoverAttempts=1');
    const event = { eventId: randomUUID(), type: 't', schemaVersion: 1, data: {}, metadata: {} };
    await expect(store.append('loyaltyAccount-x', [event], 'any')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await store.close();
  });
});
