import { describeEventStoreContract } from '../contract/event-store.contract';
import { InMemoryEventStore } from './in-memory-event-store';

describeEventStoreContract(
  'in-memory',
  async () => {
    const store = new InMemoryEventStore();
    return { store, cleanup: () => store.close() };
  },
  { readsByStream: true, tellsRecentStreams: true },
);
