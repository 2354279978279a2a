// The log is JSON lines, and no client can flood it: the real server as a child process, clients that
// abort mid-body hundreds of times, then every stderr line must parse and the error lines stay few.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startProduct, type Child } from '../helpers/process.ts';

const SECRET = 'log-webhook-secret-0123456789';
const TOKEN = 'log-approver-token-0123456789';
const ABORTS = 300;

let db: TestDatabase;
let child: Child | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await db.drop();
});

/** Sends the headers and part of a 1000-byte body, then goes away (FIN, or RST on every other one). */
function abortMidBody(port: number, path: string, headers: string, reset: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: 1000\r\n\r\n{"email_uuid": "`);
      setTimeout(() => {
        if (reset) s.resetAndDestroy();
        else s.destroy();
        resolve();
      }, 25);
    });
    s.on('error', () => resolve());
  });
}

describe('the log', () => {
  it(`stays JSON lines, and few of them, while ${ABORTS} clients abort mid-body`, async () => {
    child = await startProduct({ DATABASE_URL: db.url, WEBHOOK_SECRET: SECRET, APPROVER_TOKENS: `mike:${TOKEN}`, LOG_LEVEL: 'info' });
    const port = Number(new URL(child.url).port);
    const targets: [string, string][] = [
      ['/webhooks/triage', `X-Signature: sha256=${'0'.repeat(64)}\r\n`],
      ['/runs', `Authorization: Bearer ${TOKEN}\r\n`],
      ['/proposed-actions/1/approve', `Authorization: Bearer ${TOKEN}\r\n`],
    ];
    const started = Date.now();
    for (let i = 0; i < ABORTS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => abortMidBody(port, ...targets[(i + j) % targets.length]!, (i + j) % 2 === 1)));
    }
    const seconds = (Date.now() - started) / 1000;
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);

    child.proc.kill('SIGTERM'); // shutdown writes the pending "suppressed" lines
    expect(await child.exited).toBe(0);
    const lines = child.stderr().split('\n').filter((l) => l !== '');
    const entries = lines.map((l) => {
      try {
        return JSON.parse(l) as { level: string; msg: string; kind?: string; suppressed?: number };
      } catch {
        throw new Error(`not a JSON line on stderr: ${l}`);
      }
    });
    const logged = entries.filter((e) => e.kind?.startsWith('connection:') && !e.suppressed);
    const summaries = entries.filter((e) => e.kind?.startsWith('connection:') && e.suppressed);
    // A bucket per kind: 10 at once, then 1 per second.
    const kinds = new Set(logged.map((e) => e.kind)).size;
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThanOrEqual(kinds * (10 + Math.ceil(seconds) + 1));
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.every((e) => e.level === 'warn' && /^\d+ similar errors suppressed$/.test(e.msg))).toBe(true);
    const suppressed = summaries.reduce((n, e) => n + e.suppressed!, 0);
    // Aborts did raise errors (about one per FIN), and most of them were held back.
    expect(logged.length + suppressed).toBeGreaterThan(20);
    expect(suppressed).toBeGreaterThan(logged.length);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain(SECRET);
  }, 90_000);
});
