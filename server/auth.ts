// Webhook signatures (HMAC-SHA256 of the raw body) and the approver's bearer token, both compared in
// constant time. Neither the secret nor the token is ever logged or echoed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { unauthorized } from './errors.ts';

export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The signature header's digest, checked for form before the body is read: a request without one is a 401
 * whatever its body holds.
 */
export function signatureOf(header: string | undefined): Buffer {
  if (!header) throw unauthorized('missing X-Signature header (sha256=<hex HMAC-SHA256 of the body>)');
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) throw unauthorized('X-Signature must be sha256=<64 hex digits>');
  return Buffer.from(m[1]!, 'hex');
}

/** Compares the HMAC of the exact body bytes with the header's digest, in constant time. */
export function verifySignature(secret: string, body: Buffer, digest: Buffer): void {
  const expected = createHmac('sha256', secret).update(body).digest();
  if (digest.length !== expected.length || !timingSafeEqual(expected, digest)) throw unauthorized('X-Signature does not match the body');
}

/** Returns the approver's name for a valid `Authorization: Bearer <token>`. */
export function approverOf(ctx: Pick<Context, 'get'>, approvers: Map<string, string>): string {
  const header = ctx.get('authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw unauthorized('missing Authorization: Bearer <token>');
  let name: string | undefined;
  for (const [token, who] of approvers) if (same(token, m[1]!)) name = who;
  if (!name) throw unauthorized('the bearer token is not valid');
  return name;
}

/**
 * The same check for the live feed, where a browser's EventSource cannot set headers: the token may also
 * come as `?token=`. Only the SSE endpoint accepts this; the request log records the path, never the query.
 */
export function approverOfStream(ctx: Pick<Context, 'get' | 'query'>, approvers: Map<string, string>): string {
  if (ctx.get('authorization')) return approverOf(ctx, approvers);
  const token = ctx.query.token;
  if (typeof token !== 'string' || token === '') throw unauthorized('missing Authorization: Bearer <token> (or ?token= for the live feed)');
  let name: string | undefined;
  for (const [known, who] of approvers) if (same(known, token)) name = who;
  if (!name) throw unauthorized('the token is not valid');
  return name;
}
