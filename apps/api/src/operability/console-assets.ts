import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where the console's build (apps/console, `npm run build`) is: dist/console of the checkout this code runs from. */
export function consoleAssetsDir(from = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'nx.json'))) return null;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Serves the console at /console (static files, public: the console signs in with an API key and
 * calls the API like any client). Without a build, /console says how to make one.
 */
export async function serveConsole(app: NestFastifyApplication, dir = consoleAssetsDir()): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!dir) {
    fastify.get('/console*', (_request, reply) => {
      void reply.code(503).type('application/problem+json').send({
        type: 'about:blank',
        title: 'The console is not built',
        status: 503,
        code: 'CONSOLE.NOT_BUILT',
        detail: 'run npm run build (it builds apps/console into dist/console)',
      });
    });
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/console/', decorateReply: false, index: ['index.html'], maxAge: 0 });
  fastify.get('/console', (_request, reply) => void reply.redirect('/console/'));
}
