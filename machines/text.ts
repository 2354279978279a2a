// Text fields of events and request bodies. PostgreSQL refuses NUL (\u0000) in text and jsonb, and jsonb
// refuses an unpaired UTF-16 surrogate ("\ud800"): a field built with `text` refuses both, naming the field,
// so such a value never gets as far as the database.
import { z } from 'zod';

export const NUL = /\u0000/;
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const string = () => z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });

/**
 * Text a person typed, or a key: refused when it holds NUL or an unpaired surrogate. Use it for every new
 * text field (`text(2000).optional()`, `text(64).trim().min(1)`).
 */
export const text = (max: number) =>
  string()
    .refine((s) => !NUL.test(s), { message: 'must not contain NUL (\\u0000)', abort: true })
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'must not contain an unpaired UTF-16 surrogate such as \\ud800', abort: true })
    .max(max, `must be at most ${max} characters`);
