import 'reflect-metadata';
import { JsonLogger } from '@loyalty/http-platform';
import { loadStartupConfiguration } from './config/app-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const { config, kafka } = loadStartupConfiguration();
  const logger = new JsonLogger(config.LOG_LEVEL);
  const app = await createApp(config, logger, kafka);
  await app.listen(config.PORT, '0.0.0.0');
  logger.log(
    {
      msg: 'loyalty ledger listening',
      startedInMs: Math.round(process.uptime() * 1000),
      role: config.LOYALTY_ROLE,
      kafkaIngestion: kafka !== null && (config.LOYALTY_ROLE === 'all' || config.LOYALTY_ROLE === 'ingestion-worker'),
      port: config.PORT,
      docs: `http://localhost:${config.PORT}/docs`,
      health: `http://localhost:${config.PORT}/health`,
    },
    'startup',
  );
}

main().catch((error: unknown) => {
  // Configuration and startup errors: one clear line, then a non-zero exit.
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', msg: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});
