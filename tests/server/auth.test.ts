// Webhook signatures and the approver's token, on their own: what is accepted, what is a 401, and why.
import { createHmac } from 'node:crypto';
import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { approverOf, approverOfStream, sign, signatureOf, verifySignature } from '../../server/auth.ts';
import { HttpError } from '../../server/errors.ts';

const secret = 'a-webhook-secret-of-length';
const approvers = new Map([['token-of-mike-0001', 'mike'], ['token-of-anna-0002', 'anna']]);

/** A request as Koa presents it to the auth functions: its headers (by lower-case name) and its query. */
const request = (headers: Record<string, string> = {}, query: Record<string, string | string[]> = {}): Pick<Context, 'get' | 'query'> => ({
  get: (name: string) => headers[name.toLowerCase()] ?? '',
  query,
});

function unauthorizedWith(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(401);
    expect((err as HttpError).code).toBe('unauthorized');
    return (err as HttpError).message;
  }
  throw new Error('expected a 401');
}

describe('webhook signatures', () => {
  const body = Buffer.from('{"email_uuid":"x"}');
  const hex = createHmac('sha256', secret).update(body).digest('hex');

  it('signs as sha256=<hex HMAC-SHA256 of the body>', () => {
    expect(sign(secret, body)).toBe(`sha256=${hex}`);
    expect(sign(secret, body.toString())).toBe(`sha256=${hex}`);
  });

  it('reads the digest from the header, in either case, around whitespace', () => {
    expect(signatureOf(`sha256=${hex}`).toString('hex')).toBe(hex);
    expect(signatureOf(`  SHA256=${hex.toUpperCase()} `).toString('hex')).toBe(hex);
  });

  it('refuses a missing header and a header of the wrong form', () => {
    expect(unauthorizedWith(() => signatureOf(undefined))).toBe('missing X-Signature header (sha256=<hex HMAC-SHA256 of the body>)');
    expect(unauthorizedWith(() => signatureOf(''))).toMatch(/^missing X-Signature/);
    for (const bad of [hex, `sha256=${hex.slice(1)}`, `sha256=${hex}0`, `sha1=${hex}`, `sha256=${hex.slice(1)}g`, `xsha256=${hex}`]) {
      expect(unauthorizedWith(() => signatureOf(bad))).toBe('X-Signature must be sha256=<64 hex digits>');
    }
  });

  it('accepts the HMAC of the exact body bytes only', () => {
    expect(() => verifySignature(secret, body, signatureOf(`sha256=${hex}`))).not.toThrow();
    expect(unauthorizedWith(() => verifySignature(secret, Buffer.from('{"email_uuid":"y"}'), signatureOf(`sha256=${hex}`)))).toBe('X-Signature does not match the body');
    expect(unauthorizedWith(() => verifySignature('another-secret', body, signatureOf(`sha256=${hex}`)))).toBe('X-Signature does not match the body');
    expect(unauthorizedWith(() => verifySignature(secret, body, Buffer.from(hex.slice(0, 32), 'hex')))).toBe('X-Signature does not match the body');
  });
});

describe('approver tokens', () => {
  it('names the approver of a valid bearer token', () => {
    expect(approverOf(request({ authorization: 'Bearer token-of-mike-0001' }), approvers)).toBe('mike');
    expect(approverOf(request({ authorization: 'bearer   token-of-anna-0002' }), approvers)).toBe('anna');
  });

  it('refuses a missing or malformed header, and an unknown token', () => {
    const missing = 'missing Authorization: Bearer <token>';
    expect(unauthorizedWith(() => approverOf(request(), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOf(request({ authorization: 'Basic token-of-mike-0001' }), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOf(request({ authorization: 'Bearer token-of-mike-0001 extra' }), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOf(request({ authorization: 'x Bearer token-of-mike-0001' }), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOf(request({ authorization: 'Bearer token-of-mike-000' }), approvers))).toBe('the bearer token is not valid');
    expect(unauthorizedWith(() => approverOf(request({ authorization: 'Bearer token-of-mike-00011' }), approvers))).toBe('the bearer token is not valid');
  });

  it('takes the live feed\'s token from the header first, else from ?token=', () => {
    expect(approverOfStream(request({ authorization: 'Bearer token-of-anna-0002' }, { token: 'token-of-mike-0001' }), approvers)).toBe('anna');
    expect(unauthorizedWith(() => approverOfStream(request({ authorization: 'Bearer nope' }, { token: 'token-of-mike-0001' }), approvers))).toBe('the bearer token is not valid');
    expect(approverOfStream(request({}, { token: 'token-of-mike-0001' }), approvers)).toBe('mike');
  });

  it('refuses a live feed without a token, with an empty or repeated one, or an unknown one', () => {
    const missing = 'missing Authorization: Bearer <token> (or ?token= for the live feed)';
    expect(unauthorizedWith(() => approverOfStream(request(), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOfStream(request({}, { token: '' }), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOfStream(request({}, { token: ['token-of-mike-0001', 'x'] }), approvers))).toBe(missing);
    expect(unauthorizedWith(() => approverOfStream(request({}, { token: 'token-of-mike-0002' }), approvers))).toBe('the token is not valid');
  });
});
