import { HttpStatus, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response } from 'express';
import { JsonLogger, ProblemError } from '@loyalty/http-platform';
import type { KafkaIngestionConfig } from '@loyalty/kafka-ingestion';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';

/** The HTTP application, configured but not listening (tests use it through supertest). */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.LOG_LEVEL), kafka: KafkaIngestionConfig | null = null): Promise<NestExpressApplication> {
  Logger.overrideLogger(logger); // before the modules are built, so startup lines are JSON too
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, kafka), { logger, bufferLogs: false, bodyParser: false });
  // Our own JSON parser, so that a malformed or oversized body gets its own problem code.
  app.use(json({ limit: '1mb' }), rejectUnparsableBody);
  app.enableShutdownHooks();
  const openApi = new DocumentBuilder()
    .setTitle('Loyalty ledger')
    .setDescription('Event-sourced loyalty points ledger. Amounts are integers in minor units; times are ISO-8601 instants. Errors are RFC 7807 problem+json with a stable `code`.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (LOYALTY_API_KEYS)' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

function rejectUnparsableBody(error: { type?: string; message?: string } | undefined, request: Request, response: Response, next: NextFunction): void {
  if (!error) return next();
  const problem =
    error.type === 'entity.too.large'
      ? new ProblemError(HttpStatus.PAYLOAD_TOO_LARGE, 'HTTP.PAYLOAD_TOO_LARGE', 'The body is too large', error.message)
      : new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.MALFORMED_JSON', 'The body is not valid JSON', error.message);
  response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toProblem(request.originalUrl)));
}
