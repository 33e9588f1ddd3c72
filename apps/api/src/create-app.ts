import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { jsonBody, JsonLogger } from '@loyalty/http-platform';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { completeContract } from './contracts/http-contract';

/** The HTTP application, configured but not listening (tests use it through supertest). */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.LOG_LEVEL), kafka: KafkaIngestionConfig | null = null): Promise<NestExpressApplication> {
  Logger.overrideLogger(logger); // before the modules are built, so startup lines are JSON too
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, kafka), { logger, bufferLogs: false, bodyParser: false });
  // Our own JSON body reader: JSON only, bounded in size and depth, each refusal with its own problem code.
  app.use(...jsonBody());
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** The HTTP contract of the app (served at /docs/openapi.json; written to docs/http/openapi.json by `npm run contracts:generate`). */
export function openApiDocument(app: INestApplication, answers?: Record<string, unknown>): OpenAPIObject {
  const generated = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Loyalty ledger')
      .setDescription('Event-sourced loyalty points ledger. Amounts are integers in minor units; times are ISO-8601 instants with an offset. Errors are RFC 7807 problem+json with a stable `code`.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  return completeContract(generated, answers);
}
