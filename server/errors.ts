// One error shape for every client: {error: {code, message, details?}}. Only errors we mean to show are
// shown; anything else is a 500 with a generic message (the details go to our log, not to the client).
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../persistence/connect.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
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

export function fromZod(err: z.ZodError, where = 'body'): HttpError {
  const details = err.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : where,
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
  const first = details[0]!;
  return badRequest(`${first.field}: ${first.message}`, details);
}

export function errorHandler(log: (level: 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound(`no route for ${ctx.method} ${ctx.path}`);
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; type?: string; message?: string };
      let h: HttpError;
      if (err instanceof HttpError) h = err;
      else if (e.type === 'entity.too.large' || e.status === 413) h = new HttpError(413, 'body_too_large', 'request body is larger than the limit');
      else if (e.status && e.status < 500 && e.expose) h = new HttpError(e.status, 'invalid_request', e.message ?? 'bad request');
      else if (isDatabaseUnavailable(err)) {
        // The database is stopped, restarting or unreachable: not a fault of this request, and not a crash.
        log('warn', 'database unavailable', { method: ctx.method, path: ctx.path, error: String((err as Error)?.message ?? err) });
        h = databaseUnavailable();
        ctx.set('Retry-After', String(RETRY_AFTER_S));
      } else {
        log('error', 'unhandled error', { method: ctx.method, path: ctx.path, error: String((err as Error)?.stack ?? err) });
        h = new HttpError(500, 'internal', 'internal error; see the server log');
      }
      ctx.status = h.status;
      ctx.body = { error: { code: h.code, message: h.message, ...(h.details !== undefined ? { details: h.details } : {}) } };
    }
  };
}
