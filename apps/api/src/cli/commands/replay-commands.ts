import type { AppConfig } from '../../config/app-config';
import { EXIT, progressReporter, UsageError, type CliIo, type CliTerminal } from '../cli-support';

export interface ReplayConnection {
  url?: string;
  apiKey?: string;
}

export type ReplayAction =
  | { kind: 'start'; candidate: number; throttle?: number; projections?: string[] }
  | { kind: 'watch'; id: string }
  | { kind: 'promote'; id: string }
  | { kind: 'rollback'; id: string };

const REPLAY_ID = /^r-\d{14}-[0-9a-f]{6}$/;

/** Replays run in the API process (the one serving reads): these commands talk to it over HTTP with an ops key. */
export async function replayCommand(action: ReplayAction, connection: ReplayConnection, config: AppConfig, io: CliIo, terminal: CliTerminal): Promise<number> {
  const url = (connection.url ?? `http://127.0.0.1:${config.PORT}`).replace(/\/$/, '');
  const key = connection.apiKey ?? process.env.LOYALTY_API_KEY;
  if (!key) throw new UsageError('replay commands need an ops API key: --api-key <key> or LOYALTY_API_KEY');
  if (action.kind !== 'start' && !REPLAY_ID.test(action.id)) throw new UsageError(`not a replay id: ${JSON.stringify(action.id)} (r-YYYYMMDDhhmmss-xxxxxx)`);
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new UsageError(`${method} ${path}: ${res.status} ${String(payload.code ?? '')} ${String(payload.detail ?? payload.title ?? '')}`);
    return payload;
  };
  const watch = async (id: string): Promise<number> => {
    const progress = progressReporter(io, terminal, `replay ${id}`, 'events');
    for (;;) {
      const replay = await call('GET', `/v1/replays/${id}`);
      const p = replay.progress as { eventsDone: number; head: string; position: string; ratePerSecond: number; etaSeconds: number | null };
      // A rebuild by stream reaches no position before its end: its events done over the passes' total shows instead.
      const passes = Math.max(Object.keys((replay.keys as Record<string, string> | undefined) ?? {}).length, 1);
      progress.update(p.eventsDone, Number(p.head) * passes, { status: String(replay.status) });
      if (replay.status !== 'running') {
        progress.stop();
        io.out(`${JSON.stringify(replay, null, 2)}\n`);
        return replay.status === 'failed' ? EXIT.failed : EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  switch (action.kind) {
    case 'start': {
      const started = await call('POST', '/v1/replays', {
        candidateVersion: action.candidate,
        ...(action.throttle ? { throttleEventsPerSecond: action.throttle } : {}),
        ...(action.projections ? { projections: action.projections } : {}),
      });
      io.err(`replay ${String(started.id)} started\n`);
      return watch(String(started.id));
    }
    case 'watch':
      return watch(action.id);
    default:
      io.out(`${JSON.stringify(await call('POST', `/v1/replays/${action.id}/${action.kind}`), null, 2)}\n`);
      return EXIT.ok;
  }
}
