// Brings up what the tests need: a clean temp root, a real Kafka broker (infra/kafka/kafka.sh),
// PostgreSQL (infra/postgres/postgres.sh), both idempotent: reused if already running, and Chromium
// for the console (infra/chromium/chromium.sh, installed once). Nothing is mocked.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');

module.exports = async () => {
  const tmp = path.join(root, 'dist', 'test-tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  process.env.LOYALTY_TEST_TMP = tmp;
  // The unit scope takes only suites that need neither (see test-scope.js).
  if (require('./test-scope').unitScope) return;

  const kafka = path.join(root, 'infra', 'kafka', 'kafka.sh');
  const wasRunning = spawnSync(kafka, ['status'], { encoding: 'utf8' }).status === 0;
  const started = spawnSync(kafka, ['start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (started.status !== 0) throw new Error('could not start the Kafka broker (infra/kafka/kafka.sh start); see the lines above');
  process.env.KAFKA_TEST_BROKERS = `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
  // Stop it afterwards only if this run started it.
  globalThis.__LOYALTY_STARTED_KAFKA__ = !wasRunning;

  // PostgreSQL for the shared read store (installed from Debian's packages if missing).
  const postgres = path.join(root, 'infra', 'postgres', 'postgres.sh');
  const pgWasRunning = spawnSync(postgres, ['status'], { encoding: 'utf8' }).status === 0;
  const pgStarted = spawnSync(postgres, ['start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (pgStarted.status !== 0) throw new Error('could not start PostgreSQL (infra/postgres/postgres.sh start); see the lines above');
  process.env.LOYALTY_TEST_POSTGRES_URL = spawnSync(postgres, ['url'], { encoding: 'utf8' }).stdout.trim();
  globalThis.__LOYALTY_STARTED_POSTGRES__ = !pgWasRunning;

  // Debian's Chromium for the console's browser tests (Playwright cannot download its own here).
  const chromium = spawnSync(path.join(root, 'infra', 'chromium', 'chromium.sh'), ['ensure'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (chromium.status !== 0) throw new Error('could not install Chromium (infra/chromium/chromium.sh ensure); see the lines above');
  process.env.LOYALTY_TEST_CHROMIUM = chromium.stdout.trim();
};
