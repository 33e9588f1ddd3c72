import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { jsonBody, JsonLogger } from '@loyalty/http-platform';
import { payloadSchemas } from '@loyalty/kafka-contracts';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';

/** The HTTP application, configured but not listening (tests use it through supertest). */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.LOG_LEVEL), kafka: KafkaIngestionConfig | null = null): Promise<NestExpressApplication> {
  Logger.overrideLogger(logger); // before the modules are built, so startup lines are JSON too
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, kafka), { logger, bufferLogs: false, bodyParser: false });
  // Our own JSON body reader: JSON only, bounded in size and depth, each refusal with its own problem code.
  app.use(...jsonBody());
  app.enableShutdownHooks();
  const openApi = new DocumentBuilder()
    .setTitle('Loyalty ledger')
    .setDescription('Event-sourced loyalty points ledger. Amounts are integers in minor units; times are ISO-8601 instants. Errors are RFC 7807 problem+json with a stable `code`.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (LOYALTY_API_KEYS)' })
    .build();
  SwaggerModule.setup('docs', app, () => withPayloadSchemas(SwaggerModule.createDocument(app, openApi)), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** The ingestion endpoints take the Kafka payload classes as bodies: their JSON Schemas (as AsyncAPI publishes them) go in once. */
function withPayloadSchemas<T extends { components?: { schemas?: Record<string, unknown> } }>(document: T): T {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...payloadSchemas() } };
  return document;
}
