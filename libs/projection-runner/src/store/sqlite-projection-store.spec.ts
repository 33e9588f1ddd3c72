import { describeProjectionStoreContract } from './projection-store.contract';
import { SqliteProjectionStore } from './sqlite-projection-store';

describeProjectionStoreContract('sqlite', async () => new SqliteProjectionStore(':memory:'));
