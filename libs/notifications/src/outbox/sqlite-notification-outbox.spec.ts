import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeNotificationOutboxContract } from './notification-outbox.contract';
import { SqliteNotificationOutbox } from './sqlite-notification-outbox';

// A file per test (the fencing test opens several connections to one outbox, as the sinks' thread does).
const dirs: string[] = [];
let current = '';
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
beforeEach(() => {
  current = mkdtempSync(join(process.env.LOYALTY_TEST_TMP ?? tmpdir(), 'outbox-'));
  dirs.push(current);
});

describeNotificationOutboxContract('sqlite', async () => new SqliteNotificationOutbox(join(current, 'notifications.sqlite')));
