import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { JsonLogger, LoyaltyMetrics, MAX_BODY_BYTES_WITH_HEADROOM, registerJsonBody, registerRequestContext } from '@loyalty/http-platform';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { completeContract } from './contracts/http-contract';
import { serveConsole } from './operability/console-assets';

/** The HTTP application, configured but not listening (tests use it through supertest). */
export async function createApp(
  config: AppConfig,
  logger = new JsonLogger(config.LOG_LEVEL),
  kafka: KafkaIngestionConfig | null = null,
): Promise<NestFastifyApplication> {
  Logger.overrideLogger(logger); // before the modules are built, so startup lines are JSON too
  // Fastify: for the same NestJS code it serves several times the requests Express does on this hardware (test/bench/account-reads).
  const adapter = new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES_WITH_HEADROOM, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config, kafka), adapter, { logger, bufferLogs: false, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();
  // Our own JSON body reader: JSON only, bounded in size and depth, each refusal with its own problem code.
  registerJsonBody(fastify);
  registerRequestContext(fastify, app.get(LoyaltyMetrics));
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  await serveConsole(app);
  return app;
}

/**
 * Initialises the app without listening (tests call it over supertest): Fastify takes requests
 * only once ready, after init has registered the routes. (listen does both.)
 */
export async function initApp<T extends INestApplication>(app: T): Promise<T> {
  await app.init();
  await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
  return app;
}

/** The HTTP contract of the app (served at /docs/openapi.json; written to docs/http/openapi.json by `npm run contracts:generate`). */
export function openApiDocument(app: INestApplication, answers?: Record<string, unknown>): OpenAPIObject {
  const generated = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Loyalty ledger')
      .setDescription(
        'Event-sourced loyalty points ledger. Amounts are integers in minor units; times are ISO-8601 instants with an offset. Errors are RFC 7807 problem+json with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  return completeContract(generated, answers);
}
