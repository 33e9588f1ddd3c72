// @needs postgres (left out of npm run test:unit)
import { randomUUID } from 'node:crypto';
import { describeNotificationOutboxContract } from './notification-outbox.contract';
import { PostgresNotificationOutbox } from './postgres-notification-outbox';

// PostgreSQL is started by the test setup (infra/postgres/postgres.sh); each test gets its own schema.
let schema = '';
beforeEach(() => {
  schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
});

describeNotificationOutboxContract('postgres', async () => {
  const url = process.env.LOYALTY_TEST_POSTGRES_URL;
  if (!url) throw new Error('LOYALTY_TEST_POSTGRES_URL is not set: the jest global setup starts PostgreSQL and sets it');
  return new PostgresNotificationOutbox(url, schema);
});
