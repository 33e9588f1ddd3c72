// @needs kafka, build (left out of npm run test:unit)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore } from '@loyalty/event-store';
import { testKafka, testBrokers, uniqueId } from '@loyalty/kafka-test-kit';
import { Notifier, SqliteNotificationOutbox } from '@loyalty/notifications';
import { defaultProgramRules, RuleBook } from '@loyalty/program-rules';
import { SeededRandom } from '@loyalty/workload-generator';

// 20,000 purchases and 5 kills by default; NOTIFIER_CRASH_PURCHASES and NOTIFIER_CRASH_KILLS change them.
const PURCHASES = Number(process.env.NOTIFIER_CRASH_PURCHASES ?? 20_000);
const KILLS = Number(process.env.NOTIFIER_CRASH_KILLS ?? 5);
const SEED = 20261202;
const root = join(__dirname, '..', '..');
const node = (script: string, args: string[], env: Record<string, string> = {}): ChildProcess =>
  spawn(process.execPath, ['-r', join(root, 'infra', 'node', 'register-paths.js'), join(root, 'dist', 'test', 'crash', script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });

describe('notifier crash: SIGKILLed while purchases flow in, every notification still reaches Kafka and the webhook receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-crash-'));
  const ledgerFile = join(dir, 'ledger.sqlite');
  const outboxFile = join(dir, 'notifications.sqlite');
  const topic = `${uniqueId('crash')}.loyalty.notifications.v1`;
  const webhookIds: string[] = [];
  let receiver: Server;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        webhookIds.push(String(req.headers['webhook-id']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`derives and delivers the exact set of notifications of ${PURCHASES.toLocaleString()} purchases across ${KILLS} kills`, async () => {
    const random = new SeededRandom(SEED);
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const runnerArgs = [ledgerFile, outboxFile, testBrokers(), topic, webhookUrl];

    // Given a writer appending the workload to the ledger over some 20 seconds
    const writer = node('crash-writer.js', [ledgerFile, String(SEED), String(PURCHASES), String(Math.round(PURCHASES / 10))], { CRASH_WRITER_PAUSE_MS: '200' });
    let writerStderr = '';
    writer.stderr?.on('data', (d) => (writerStderr += d));
    const written = new Promise<void>((resolve, reject) =>
      writer.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}: ${writerStderr}`)))),
    );

    // When the notifier is killed at random instants meanwhile, and restarted each time
    let kills = 0;
    let lastSinks = '';
    let runnerStderr = '';
    const startRunner = () => {
      const child = node('notifier-runner.js', runnerArgs);
      child.stderr?.on('data', (d) => (runnerStderr += d));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.startsWith('sinks ')) lastSinks = line;
      });
      return child;
    };
    // Each run is killed once both sinks have moved on (mid-flight, at a random instant after that).
    const progressAtKill: string[] = [];
    while (kills < KILLS) {
      const sinksBefore = lastSinks;
      const child = startRunner();
      const moved = Date.now() + 20_000;
      const sent = (line: string) => line.split(' ').slice(3).map(Number);
      while (Date.now() < moved) {
        const [kafkaNow, webhookNow] = sent(lastSinks);
        const [kafkaThen, webhookThen] = sinksBefore ? sent(sinksBefore) : [0, 0];
        if (lastSinks !== sinksBefore && kafkaNow > kafkaThen && webhookNow > webhookThen) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, random.int(0, 400)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      progressAtKill.push(lastSinks);
      kills++;
    }
    // The kills landed while work was flowing: the outbox grew from one run to the next
    const heads = progressAtKill.map((line) => Number(line.split(' ')[2]));
    expect({ heads, grew: heads.every((h, i) => i === 0 || h > heads[i - 1]) }).toEqual({ heads, grew: true });
    await written;
    const ledger = new SqliteEventStore({ file: ledgerFile, synchronous: 'FULL' });
    const head = await ledger.headPosition();

    // And a last run is left to finish: the notifier at the ledger's head, both sinks at the outbox's
    const final = startRunner();
    const deadline = Date.now() + 240_000;
    for (;;) {
      const [, position, outboxHead, kafka, webhook] = lastSinks.split(' ');
      if (position === String(head) && outboxHead === kafka && outboxHead === webhook && Number(outboxHead) > 0) break;
      if (Date.now() > deadline) throw new Error(`the sinks did not finish: ${lastSinks} (head ${head}); ${runnerStderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    final.kill('SIGTERM');
    await new Promise((resolve) => final.on('exit', resolve));

    // Then the expected set: the notifications a notifier derives from the finished ledger in one go
    const fresh = new SqliteNotificationOutbox(':memory:');
    const ruleBook = new RuleBook([defaultProgramRules()]);
    const once = new Notifier(ledger, fresh, { current: () => ruleBook }, { batchSize: 2000 });
    await once.start();
    expect(await once.waitFor(head, 120_000)).toBe(true);
    await once.stop();
    const expected = new Set<string>();
    for (let after = 0; ;) {
      const page = await fresh.after(after, 5000);
      if (page.length === 0) break;
      for (const e of page) expected.add(e.notification.id);
      after = page[page.length - 1].seq;
    }
    await Promise.all([fresh.close(), ledger.close()]);
    expect(expected.size).toBeGreaterThan(PURCHASES);

    // And Kafka holds every one of them at least once, nothing else
    const kafka = testKafka('notifier-crash-check');
    const consumer = kafka.consumer({ groupId: uniqueId('notifier-crash-check') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const published: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        published.push((JSON.parse(String(message.value)) as { messageId: string }).messageId);
      },
    });
    const consumedBy = Date.now() + 120_000;
    while (new Set(published).size < expected.size && Date.now() < consumedBy) await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await consumer.disconnect();

    const kafkaSet = new Set(published);
    const webhookSet = new Set(webhookIds);
    console.info(
      `[notifier crash] ${PURCHASES} purchases, ${kills} kills (outbox head at each: ${heads.join(', ')}): ${expected.size} notifications expected; Kafka ${published.length} messages (${kafkaSet.size} distinct), webhook ${webhookIds.length} deliveries (${webhookSet.size} distinct)`,
    );
    expect([...kafkaSet].filter((id) => !expected.has(id))).toEqual([]);
    expect([...expected].filter((id) => !kafkaSet.has(id))).toEqual([]);
    expect([...webhookSet].filter((id) => !expected.has(id))).toEqual([]);
    expect([...expected].filter((id) => !webhookSet.has(id))).toEqual([]);
  }, 600_000);
});
