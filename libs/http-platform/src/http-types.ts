import type { FastifyReply, FastifyRequest } from 'fastify';

/** The HTTP platform's request and reply (Fastify: measured the fastest under the same NestJS code, see test/bench/account-reads). */
export type HttpRequest = FastifyRequest;
export type HttpReply = FastifyReply;
