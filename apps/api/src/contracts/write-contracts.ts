// `npm run contracts:generate`: writes every published contract from the code.
//   docs/kafka/asyncapi.json                    the Kafka topics (from the payload classes)
//   apps/api/src/contracts/response-schemas.json the HTTP answers' JSON Schemas (from their TypeScript types)
//   docs/http/openapi.json                       the HTTP API (from the app, with both of the above)
//   libs/api-client/src/openapi.d.ts             the typed client's types (openapi-typescript)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAsyncApi } from '@loyalty/kafka-contracts';
import { notificationChannel } from './notification-contract';
import { JsonLogger } from '@loyalty/http-platform';
import { loadKafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { loadConfig } from '../config/app-config';
import { createApp, openApiDocument } from '../create-app';
import { repositoryRoot } from './repository-root';
import { generateResponseSchemas } from './response-schemas';

export const ROOT = repositoryRoot();
export const CONTRACT_PATHS = {
  asyncApi: join(ROOT, 'docs', 'kafka', 'asyncapi.json'),
  responseSchemas: join(ROOT, 'apps', 'api', 'src', 'contracts', 'response-schemas.json'),
  openApi: join(ROOT, 'docs', 'http', 'openapi.json'),
  clientTypes: join(ROOT, 'libs', 'api-client', 'src', 'openapi.d.ts'),
};

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The OpenAPI document of the whole app (every role, Kafka's endpoints included), built in memory
 * and never started (no store, no broker, no port), with the given answers' schemas.
 */
export async function renderOpenApi(answers?: Record<string, unknown>): Promise<string> {
  const app = await createApp(
    loadConfig({
      LEDGER_STORE: 'memory',
      LOYALTY_API_KEYS: 'contract-generator:admin',
      LOYALTY_EXPIRY_INTERVAL_SECONDS: '0',
      LOYALTY_SEAL_INTERVAL_SECONDS: '0',
    }),
    new JsonLogger('error', () => undefined),
    loadKafkaIngestionConfig({ KAFKA_BROKERS: 'broker-not-contacted:9092' }),
  );
  try {
    return json(openApiDocument(app, answers));
  } finally {
    await app.close();
  }
}

/** The client's types, as openapi-typescript generates them from an OpenAPI file. */
export function renderClientTypes(openApiFile: string, into: string): void {
  const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
  const run = spawnSync(process.execPath, [cli, openApiFile, '--output', into], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openapi-typescript failed: ${run.stderr}`);
}

async function main(): Promise<void> {
  writeFileSync(CONTRACT_PATHS.asyncApi, renderAsyncApi([notificationChannel()]));
  const answers = generateResponseSchemas();
  writeFileSync(CONTRACT_PATHS.responseSchemas, json(answers));
  writeFileSync(CONTRACT_PATHS.openApi, await renderOpenApi(answers));
  renderClientTypes(CONTRACT_PATHS.openApi, CONTRACT_PATHS.clientTypes);
  for (const path of Object.values(CONTRACT_PATHS)) console.log(`wrote ${path}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
