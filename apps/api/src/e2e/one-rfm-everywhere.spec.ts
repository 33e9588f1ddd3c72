import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { JsonLogger } from '@loyalty/http-platform';
import { defaultProgramRules } from '@loyalty/program-rules';
import { loadConfig } from '../config/app-config';
import { createApp, initApp } from '../create-app';

const OPS = 'ops-key-123456';
const INGEST = 'ingest-key-123';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const ASOF = '2026-10-31T00:00:00.000Z';
const DAY = 86_400_000;
const CUSTOMERS = Array.from({ length: 40 }, (_, i) => `C${String(i).padStart(2, '0')}`);

/** Version 2: the analysts' quantile recipe (qcut, frequency ranked first by customer id), champions as the top segment. */
function quantileRules() {
  const rules = defaultProgramRules();
  return {
    ...rules,
    version: 2,
    effectiveFrom: '2030-01-01T00:00:00Z',
    rfm: {
      ...rules.rfm,
      style: 'quantile',
      quantileScoring: {
        recency: { ties: 'shared', boundaries: 'qcut' },
        frequency: { ties: 'by-customer-id', boundaries: 'qcut' },
        monetary: { ties: 'shared', boundaries: 'qcut' },
      },
    },
    loyalty: { ...rules.loyalty, topSegment: 'champions', oneStepClosenessPercent: 75 },
  };
}

interface Insights {
  rfm: { segment: string; scores: { recency: number; frequency: number; monetary: number } | null };
  loyalty: { class: string; lacks: { behavioural: string[]; psychological: { latest: string | null } | null } };
  nps: { category: string } | null;
}

describe('one RFM definition everywhere: account, segments, members, classification lists, NPS by segment, and the replay impact', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  let last = '0';

  beforeAll(async () => {
    app = await createApp(loadConfig({ LEDGER_STORE: 'memory', LOYALTY_API_KEYS: `${OPS}:ops,${INGEST}:ingest` }), new JsonLogger('error', () => undefined));
    await initApp(app);
    // Given 40 customers with many equal purchase counts, spends and recencies, some with an NPS answer
    for (const [i, customerId] of CUSTOMERS.entries()) {
      const purchases = 1 + ((i * 7) % 12);
      const each = 5_000 + ((i * 3517) % 40_000);
      const lastDaysAgo = (i * 11) % 200;
      for (let k = 0; k < purchases; k++) {
        const occurredAt = new Date(Date.parse(ASOF) - (lastDaysAgo + 3 * k + 1) * DAY).toISOString();
        const res = await http()
          .post('/v1/purchases')
          .set(auth(INGEST))
          .send({ orderId: `${customerId}-${k}`, customerId, occurredAt, currency: 'JPY', amount: each })
          .expect(201);
        last = res.body.position;
      }
      if (i % 3 !== 2) {
        const answered = new Date(Date.parse(ASOF) - (lastDaysAgo + 2) * DAY).toISOString();
        const res = await http()
          .post('/v1/survey-answers')
          .set(auth(INGEST))
          .send({ responseId: `${customerId}-S`, surveyId: 'nps', customerId, occurredAt: answered, score: (i * 3) % 11 })
          .expect(201);
        last = res.body.position;
      }
    }
    await http().get(`/v1/segments?waitForPosition=${last}&waitMs=5000`).set(auth(OPS)).expect(200);
  });
  afterAll(async () => app.close());

  const insightsOf = async (customerId: string): Promise<Insights> =>
    (await http().get(`/v1/accounts/${customerId}?include=insights&asOf=${ASOF}`).set(auth(OPS)).expect(200)).body.insights;
  const everyInsight = async () => Object.fromEntries(await Promise.all(CUSTOMERS.map(async (c) => [c, await insightsOf(c)] as const)));
  const listed = async (path: string) => {
    const res = await http()
      .get(`${path}${path.includes('?') ? '&' : '?'}asOf=${ASOF}&pageSize=1000`)
      .set(auth(OPS))
      .expect(200);
    return (res.body.customers as { customerId: string }[]).map((c) => c.customerId);
  };

  it('changes the RFM style by a replay that reports the segment changes, then answers every door with the quantile segments once promoted', async () => {
    // Given the live (fixed-threshold) answers
    const before = await everyInsight();
    expect(new Set(Object.values(before).map((i) => i.rfm.segment))).not.toContain('champions');

    // When version 2 (quantile) is replayed
    await http().post('/v1/rules').set(auth(OPS)).send(quantileRules()).expect(201);
    const started = await http().post('/v1/replays').set(auth(OPS)).send({ candidateVersion: 2 }).expect(202);
    let replay = started.body;
    for (let tries = 0; replay.status === 'running' && tries < 500; tries++)
      replay = (await http().get(`/v1/replays/${replay.id}`).set(auth(OPS)).expect(200)).body;
    expect(replay.status).toBe('ready');
    const impact = (await http().get(`/v1/replays/${replay.id}/impact?asOf=${ASOF}`).set(auth(OPS)).expect(200)).body;
    expect(impact.asOf).toBe(ASOF);

    // And promoted
    await http().post(`/v1/replays/${replay.id}/promote`).set(auth(OPS)).expect(200);
    const after = await everyInsight();

    // Then the impact's segment and classification matrices are exactly the before/after answers of the account door
    const matrix = (pick: (i: Insights) => string) => {
      const counts = new Map<string, number>();
      for (const c of CUSTOMERS) counts.set(`${pick(before[c])}>${pick(after[c])}`, (counts.get(`${pick(before[c])}>${pick(after[c])}`) ?? 0) + 1);
      return [...counts]
        .map(([k, customers]) => ({ from: k.split('>')[0], to: k.split('>')[1], customers }))
        .sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
    };
    const sorted = (rows: { from: string; to: string; customers: number }[]) => [...rows].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
    expect(sorted(impact.segmentChanges)).toEqual(matrix((i) => i.rfm.segment));
    expect(sorted(impact.classificationChanges)).toEqual(matrix((i) => i.loyalty.class));
    expect(impact.segmentChanges.some((t: { from: string; to: string }) => t.from !== t.to)).toBe(true);
    expect(Object.values(after).some((i) => i.rfm.segment === 'champions')).toBe(true);

    // And /v1/segments and each segment's members agree with every customer's account answer
    const segments = (await http().get(`/v1/segments?asOf=${ASOF}`).set(auth(OPS)).expect(200)).body;
    expect(segments.rules).toMatchObject({ version: 2, style: 'quantile' });
    for (const { segment, customers } of segments.segments as { segment: string; customers: number }[]) {
      const members = await listed(`/v1/segments/${segment}/members?sort=customer-id`);
      expect(members).toHaveLength(customers);
      expect(members).toEqual(CUSTOMERS.filter((c) => after[c].rfm.segment === segment));
    }
    // And the classification lists are the account's classes; loyal and good customers are exactly the top segment's members
    expect(await listed('/v1/customers/loyal?sort=customer-id')).toEqual(CUSTOMERS.filter((c) => after[c].loyalty.class === 'loyal'));
    expect(await listed('/v1/customers/good-customers?sort=customer-id')).toEqual(CUSTOMERS.filter((c) => after[c].loyalty.class === 'good-customer'));
    const oneStep = await listed('/v1/customers/one-step-from-loyal?sort=customer-id');
    expect(oneStep).toEqual(CUSTOMERS.filter((c) => after[c].loyalty.class === 'one-step-from-loyal'));
    expect(oneStep.length).toBeGreaterThan(0);
    for (const c of CUSTOMERS) expect(['loyal', 'good-customer'].includes(after[c].loyalty.class)).toBe(after[c].rfm.segment === 'champions');
    // And one-step-from-loyal names the quantile gaps and the NPS side where it is missing
    for (const c of oneStep) {
      expect(after[c].loyalty.lacks.behavioural.every((gap) => /^(recency|frequency|monetary) score \d/.test(gap))).toBe(true);
      expect(after[c].loyalty.lacks.psychological === null).toBe(after[c].nps?.category === 'promoter');
    }
    // And NPS by segment groups each answer under the same segment
    const nps = (await http().get(`/v1/analytics/nps?from=2025-01-01T00:00:00Z&to=${ASOF}&groupBy=segment`).set(auth(OPS)).expect(200)).body;
    const answersBySegment = new Map<string, number>();
    for (const c of CUSTOMERS) if (after[c].nps) answersBySegment.set(after[c].rfm.segment, (answersBySegment.get(after[c].rfm.segment) ?? 0) + 1);
    expect(Object.fromEntries((nps.groups as { group: string; responses: number }[]).map((g) => [g.group, g.responses]))).toEqual(
      Object.fromEntries(answersBySegment),
    );

    // And the impact as of another instant is evaluated then (a year earlier: other segments)
    const earlier = (await http().get(`/v1/replays/${replay.id}/impact?asOf=2025-10-31T00:00:00Z`).set(auth(OPS)).expect(200)).body;
    expect(earlier.asOf).toBe('2025-10-31T00:00:00.000Z');
    expect(earlier.segmentChanges).not.toEqual(impact.segmentChanges);
    await http().post(`/v1/replays/${replay.id}/rollback`).set(auth(OPS)).expect(200);
  });

  it('exports every list as CSV and NDJSON (the whole list, sorted), and refuses an unknown format', async () => {
    const csv = await http().get(`/v1/segments/other/members?asOf=${ASOF}&format=csv&sort=customer-id`).set(auth(OPS)).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="segment-other-2026-10-31\.csv"/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^customerId,segment,recencyDays,frequency,monetary,/);
    expect(lines.length - 1).toBe(Number(csv.headers['x-total-count']));
    const ndjson = await http().get(`/v1/customers/one-step-from-loyal?asOf=${ASOF}&format=ndjson`).set(auth(OPS)).expect(200);
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const rows = ndjson.text
      .trimEnd()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rows.every((r: { loyalty: { class: string } }) => r.loyalty.class === 'one-step-from-loyal')).toBe(true);
    const good = await http().get(`/v1/customers/good-customers?asOf=${ASOF}&format=csv`).set(auth(OPS)).expect(200);
    expect(good.text.split('\r\n')[0]).toContain('lacksPsychological');
    const bad = await http().get('/v1/customers/loyal?format=xml').set(auth(OPS)).expect(400);
    expect(bad.body.code).toBeDefined();
  });

  it('fits the predictive value model on demand and shows it in the account, the ranking and its export', async () => {
    // Given no model yet
    expect((await http().get('/v1/analytics/customer-value/model').set(auth(OPS)).expect(409)).body.code).toBe('CUSTOMER_VALUE.NOT_FITTED');
    expect((await http().get(`/v1/customers/predicted-value?asOf=${ASOF}`).set(auth(OPS)).expect(409)).body.code).toBe('CUSTOMER_VALUE.NOT_FITTED');
    expect(((await insightsOf('C01')) as unknown as { predicted: unknown }).predicted).toBeNull();
    const badWindow = await http().post('/v1/analytics/customer-value/model/fit').set(auth(OPS)).send({ asOf: ASOF, calibrationFrom: ASOF }).expect(400);
    expect(badWindow.body.code).toBe('CUSTOMER_VALUE.INVALID_WINDOW');
    await http().post('/v1/analytics/customer-value/model/fit').set(auth(INGEST)).send({ asOf: ASOF }).expect(403);
    // When ops fit it as of the end of October
    const fitted = (await http().post('/v1/analytics/customer-value/model/fit').set(auth(OPS)).send({ asOf: ASOF }).expect(200)).body;
    // Then the parameters, their log-likelihood and the fit date are exposed
    expect(fitted).toMatchObject({
      asOf: ASOF,
      calibrationFrom: null,
      settings: { periodDays: 7, horizonDays: 360, annualDiscountRate: 0.1 },
      bgNbd: { customers: 40, parameters: { r: expect.any(Number), alpha: expect.any(Number), a: expect.any(Number), b: expect.any(Number) } },
      gammaGamma: { parameters: { p: expect.any(Number), q: expect.any(Number), gamma: expect.any(Number) } },
    });
    expect(fitted.bgNbd.logLikelihood).toBeLessThan(0);
    expect((await http().get('/v1/analytics/customer-value/model').set(auth(OPS)).expect(200)).body).toEqual(fitted);
    // And each account answers with its prediction, the same one the ranking gives
    const ranking = (await http().get(`/v1/customers/predicted-value?asOf=${ASOF}&pageSize=1000`).set(auth(OPS)).expect(200)).body;
    expect(ranking.total).toBe(40);
    const clvs = ranking.customers.map((c: { predicted: { clv: number } }) => c.predicted.clv);
    expect(clvs).toEqual([...clvs].sort((a: number, b: number) => b - a));
    const top = ranking.customers[0];
    const account = (await http().get(`/v1/accounts/${top.customerId}?include=insights&asOf=${ASOF}`).set(auth(OPS)).expect(200)).body.insights;
    expect(account.predicted).toEqual(top.predicted);
    expect(account.predicted).toMatchObject({ horizonDays: 360, expectedPurchases: expect.any(Number), probabilityAlive: expect.any(Number) });
    // And the export carries the predicted columns
    const csv = await http().get(`/v1/customers/predicted-value?asOf=${ASOF}&format=csv`).set(auth(OPS)).expect(200);
    const [header, first] = csv.text.split('\r\n');
    const column = header.split(',').indexOf('predictedClv');
    expect(Number(first.split(',')[column])).toBe(top.predicted.clv);
  });
});
