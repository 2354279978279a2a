// The real Koa app on an ephemeral port, against a test database, with a clock the test moves.
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.ts';
import { sign } from '../../server/auth.ts';
import { parseApprovers } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import type { EffectRegistry } from '../../runtime/effects.ts';
import type { Sql } from '../../persistence/connect.ts';
import type { Contract } from '../../machines/contract.ts';

export const SECRET = 'test-webhook-secret-0123456789';
export const TOKEN = 'test-approver-token-0123456789';

export interface TestServer {
  url: string;
  clock: ManualClock;
  effects: EffectRegistry;
  close(): Promise<void>;
  triage(body: unknown, opts?: { secret?: string; raw?: string; signature?: string | null }): Promise<Response>;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
}

export async function startTestServer(
  sql: Sql,
  opts: {
    effects?: Partial<EffectRegistry>;
    clock?: ManualClock;
    bodyLimitKb?: number;
    preconditionSeverity?: Record<string, 'warn' | 'block'>;
    notifyUrl?: string;
    /** A changed copy of the contract for the pages and the drawing to describe (the engine runs CONTRACT). */
    contract?: Contract;
  } = {},
): Promise<TestServer> {
  const clock = opts.clock ?? new ManualClock('2026-11-20T16:00:00Z');
  const effects = effectRegistry(opts.effects);
  const app = createApp({
    sql,
    clock,
    effects,
    config: { webhookSecret: SECRET, approvers: parseApprovers(`mike:${TOKEN}`), bodyLimitKb: opts.bodyLimitKb ?? 64, preconditionSeverity: opts.preconditionSeverity },
    log: createLogger((process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent'),
    notifyUrl: opts.notifyUrl,
    contract: opts.contract,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    clock,
    effects,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
    triage: (body, o = {}) => {
      const raw = o.raw ?? JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.signature !== null) headers['x-signature'] = o.signature ?? sign(o.secret ?? SECRET, raw);
      return fetch(`${url}/webhooks/triage`, { method: 'POST', headers, body: raw });
    },
    api: (method, path, body, token = TOKEN) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    },
  };
}
