import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const KEY = 'rate-limited-key-123';
const OTHER_KEY = 'another-good-key-456';

async function appWith(env: Record<string, string>): Promise<INestApplication> {
  const app = await createApp(
    loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${KEY}:admin,${OTHER_KEY}:admin`, ...env }),
    new JsonLogger('error', () => undefined),
  );
  await initApp(app);
  return app;
}

describe('rate limits: per API key, per source address, and failed authentications harder', () => {
  it('answers the 101st failed authentication in a minute from one address with 429 and Retry-After, and then refuses that address even a good key', async () => {
    const app = await appWith({});
    try {
      const http = request(app.getHttpServer());
      // Given 100 wrong keys from one address, each refused as invalid
      for (let i = 0; i < 100; i++) {
        const res = await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer wrong-key-${i}` });
        expect(res.status).toBe(401);
      }
      // When the 101st comes
      const limited = await http.get('/v1/accounts/C-1').set({ Authorization: 'Bearer wrong-key-101' });
      // Then it is refused for too many failures, saying when to come back
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'AUTH.TOO_MANY_FAILURES', retryAfterSeconds: expect.any(Number) });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      // And a right guess from that address learns nothing meanwhile; health probes still answer
      expect((await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${KEY}` })).status).toBe(429);
      expect((await http.get('/health/live')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('does not count requests without a key as failed guesses', async () => {
    const app = await appWith({ LOYALTY_FAILED_AUTH_LIMIT: '3' });
    try {
      const http = request(app.getHttpServer());
      for (let i = 0; i < 5; i++) expect((await http.get('/v1/accounts/C-1')).status).toBe(401);
      expect((await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${KEY}` })).status).toBe(404); // authenticated: no such customer yet
    } finally {
      await app.close();
    }
  });

  it('limits requests per API key a second with 429 RATE_LIMIT.EXCEEDED and Retry-After; another key has its own budget', async () => {
    const app = await appWith({ LOYALTY_RATE_LIMIT_PER_KEY: '5', LOYALTY_RATE_LIMIT_PER_ADDRESS: '1000' });
    try {
      const http = request(app.getHttpServer());
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${KEY}` })).status);
      const limited = await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${KEY}` });
      const other = await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${OTHER_KEY}` });
      // (Requests that straddle a one-second window may all pass: then the window turned; the budget is per second.)
      const served = 404; // authenticated and served: no such customer yet
      if (statuses.every((s) => s === served)) return;
      expect(statuses.slice(0, 5)).toEqual([served, served, served, served, served]);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'RATE_LIMIT.EXCEEDED', detail: expect.stringContaining('with this API key') });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(other.status).toBe(served);
    } finally {
      await app.close();
    }
  });

  it('limits requests per source address a second, whatever the key', async () => {
    const app = await appWith({ LOYALTY_RATE_LIMIT_PER_KEY: '1000', LOYALTY_RATE_LIMIT_PER_ADDRESS: '4' });
    try {
      const http = request(app.getHttpServer());
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await http.get('/v1/accounts/C-1').set({ Authorization: `Bearer ${i % 2 ? KEY : OTHER_KEY}` })).status);
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(8); // at most two windows' worth
    } finally {
      await app.close();
    }
  });
});
