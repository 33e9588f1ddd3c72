// A bare NestJS app with one route returning a constant, on Fastify (the ledger's platform) or
// Express: the ceiling of the stack on this machine, measured beside the account route.
//   node bare-nest-app.js <port> [fastify|express]
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';

@Controller()
class BareController {
  @Get('bare')
  bare(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 3999);
  const adapter = process.argv[3] === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(BareModule, adapter, { logger: false });
  await app.listen(port, '127.0.0.1');
  process.stdout.write(`bare nest listening on ${port}\n`);
}

void main();
