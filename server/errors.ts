// One error shape for every client: {error: {code, message, details?}}. Only errors we mean to show are
// shown; anything else is a 500 with a generic message (the details go to our log, not to the client).
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../persistence/connect.ts';
import type { ErrorLog } from './log.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Fields beside `error` in the body (a 412 carries the current proposed action). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'invalid_request', message, details);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) => new HttpError(409, 'conflict', message, details);
export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);
/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_S = 2;
export const databaseUnavailable = () =>
  new HttpError(503, 'database_unavailable', 'the database is unavailable (stopped, restarting or unreachable); retry shortly: repeating the same request is safe');

/** Unknown keys are echoed back to name them; a key is the client's text, so it is shortened. */
const shown = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

export function fromZod(err: z.ZodError, where = 'body'): HttpError {
  const details = err.issues.map((i) => ({
    field: i.path.length ? i.path.map(String).join('.') : where,
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.map(shown).join(', ')}` : i.message,
  }));
  const first = details[0]!;
  return badRequest(`${first.field}: ${first.message}`, details);
}

/**
 * What a status set without a body (by the router, or by nobody) means to an API client. A method no route
 * knows (PROPFIND) is the client's mistake like any other: 405 with Allow where the path exists, else 404,
 * rather than the router's 501, so that a 5xx always means our own fault.
 */
function fromBareStatus(ctx: Context): HttpError {
  const allow = ctx.response.get('Allow');
  if (!allow) ctx.remove('Allow');
  switch (ctx.status) {
    case 404:
      return notFound(`no route for ${ctx.method} ${ctx.path}`);
    case 405:
    case 501:
      if (!allow) return notFound(`no route for ${ctx.method} ${ctx.path}`);
      return new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`, { allow: allow.split(', ') });
    default:
      return new HttpError(ctx.status, `http_${ctx.status}`, ctx.message || `HTTP ${ctx.status}`);
  }
}

/** The client went away or sent a broken request stream: its fault, nobody will read an answer. */
export function isClientAbort(err: unknown, ctx?: Context): boolean {
  const e = err as { code?: string; type?: string } | null;
  if (e?.type === 'request.aborted') return true;
  // The same socket codes come from the database's connection (ECONNRESET when PostgreSQL goes away): they
  // are the client's only while its request is still arriving.
  const clientCode = typeof e?.code === 'string' && (/^HPE_/.test(e.code) || ['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE'].includes(e.code));
  if (clientCode && (!ctx || !ctx.req.complete)) return true;
  return Boolean(ctx?.req.destroyed && !ctx.req.complete);
}

/**
 * Requests Node's HTTP parser refuses (an unknown method such as FOO, a malformed or oversized header) never
 * reach Koa. Answer them in the same JSON shape, and log them as connection errors (rate-limited); a client
 * that already went away gets nothing.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, errors: ErrorLog): void {
  const code = err.code ?? 'error';
  errors(`connection:${code}`, 'warn', 'client connection error', { code, error: err.message });
  const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage;
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, h] =
    code === 'HPE_HEADER_OVERFLOW'
      ? ([431, 'Request Header Fields Too Large', new HttpError(431, 'headers_too_large', 'the request headers are larger than the limit')] as const)
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ([408, 'Request Timeout', new HttpError(408, 'request_timeout', 'the request was not received in time')] as const)
        : ([400, 'Bad Request', badRequest('the request is not valid HTTP/1.1 (method, target or headers)')] as const);
  const body = JSON.stringify({ error: { code: h.code, message: h.message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function errorHandler(errors: ErrorLog) {
  return async (ctx: Context, next: Next) => {
    let h: HttpError | undefined;
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) h = fromBareStatus(ctx);
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; type?: string; message?: string };
      if (err instanceof HttpError) h = err;
      else if (e.type === 'entity.too.large' || e.status === 413) h = new HttpError(413, 'body_too_large', 'request body is larger than the limit');
      else if (isClientAbort(err, ctx)) h = new HttpError(400, 'request_aborted', 'the request body was not received in full');
      else if (e.status && e.status < 500 && e.expose) h = new HttpError(e.status, 'invalid_request', e.message ?? 'bad request');
      else if (isDatabaseUnavailable(err)) {
        // The database is stopped, restarting or unreachable: not a fault of this request, and not a crash.
        errors('database', 'warn', 'database unavailable', { method: ctx.method, path: ctx.path, error: String((err as Error)?.message ?? err) });
        h = databaseUnavailable();
        ctx.set('Retry-After', String(RETRY_AFTER_S));
      } else {
        errors('unhandled', 'error', 'unhandled error', { method: ctx.method, path: ctx.path, error: String((err as Error)?.stack ?? err) });
        h = new HttpError(500, 'internal', 'internal error; see the server log');
      }
    }
    if (!h) return;
    ctx.status = h.status;
    ctx.type = 'json'; // also over a type a route had set before it threw
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: { code: h.code, message: h.message, ...(h.details !== undefined ? { details: h.details } : {}) }, ...h.extra };
  };
}

/**
 * The process's `unhandledRejection` listener. A statement's rejection that nothing awaited any more, because
 * the database dropped the connection under it (stopped, restarting: the pool reconnects by itself), is logged
 * as a warning and the process goes on answering 503 until the database is back; any other unhandled
 * rejection is thrown again, so that it reaches `uncaughtException` (logged, and the process exits) as before.
 * Found by tests/e2e/faults/postgres.test.ts: once in a CI run, a server process exited on a CONNECTION_CLOSED
 * rejection while PostgreSQL stopped.
 */
export function unhandledRejection(errors: ErrorLog): (reason: unknown) => void {
  return (reason) => {
    if (!isDatabaseUnavailable(reason)) throw reason;
    errors('unhandled:database', 'warn', 'a statement nobody awaited failed with its database connection', { error: String(reason) });
  };
}
