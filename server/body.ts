// Request bodies: the exact bytes within the size limit, strict UTF-8, JSON, and a schema. Every failure is
// a 4xx naming `body` or the field (413 above the limit); nothing is written before a body has passed.
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import { badRequest } from './errors.ts';
import { parseWith } from './schemas.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the exact bytes of the body within the size limit (413 above it). Signatures are checked over these
 * bytes, before anything is decoded or parsed.
 */
export async function readBody(ctx: Context, limitKb: number): Promise<Buffer> {
  return getRawBody(ctx.req, { limit: `${limitKb}kb`, length: ctx.get('content-length') || undefined });
}

/** Decodes strict UTF-8 and parses JSON; an empty body is `{}`. Both failures are a 400 naming `body`. */
export function parseJson(bytes: Buffer): unknown {
  let raw: string;
  try {
    raw = utf8.decode(bytes);
  } catch {
    throw badRequest('body: must be UTF-8 encoded', [{ field: 'body', message: 'must be UTF-8 encoded' }]);
  }
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('body: must be valid JSON', [{ field: 'body', message: 'must be valid JSON' }]);
  }
}

export async function readJson(ctx: Context, limitKb: number): Promise<unknown> {
  return parseJson(await readBody(ctx, limitKb));
}

/** The body read as JSON and validated by `schema`: a 400 naming each field that fails. */
export async function parseBody<S extends z.ZodType>(ctx: Context, schema: S, limitKb: number): Promise<z.output<S>> {
  return parseWith(schema, await readJson(ctx, limitKb));
}
