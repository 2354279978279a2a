// Generators for the route fuzzer: text that breaks things (NUL, lone surrogates, RTL, combining marks,
// emoji, SQL and prototype words), values of every JSON type, huge and deeply nested ones, raw bodies that
// are not JSON or not UTF-8, query strings, path segments and headers.
import { fc } from '@fast-check/vitest';

export const NASTY = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udbffy',
  '\ud83d\ude00',
  '👨‍👩‍👧‍👦',
  '\u202eevil\u202c',
  'עברית ومرحبا',
  'e\u0301\u0301\u0301',
  'Z̸̢̛͓̈́a̴̧̛͎̾l̵̨̛͖̿g̴̛̗̽o̵̧̞̿',
  '\u200b\u200d\ufeff',
  '\r\n',
  '\t',
  "'; DROP TABLE runs; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '$1',
  '%s%s%n',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '${process.exit()}',
  '\\',
  '"',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  '99999999999999999999',
  '9223372036854775808',
  '0x10',
  ' ',
  '',
  'null',
  'true',
  '[]',
  '{}',
  'INV-004143',
  '1002',
];

/** Any UTF-16 code unit, so NUL and unpaired surrogates come up often. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...NASTY), { maxLength: 6 }).map((a) => a.join(' ')) },
  // Huge: from a few KB to past the body limit.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY.filter((s) => s !== '')), fc.integer({ min: 1_000, max: 80_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length))) },
);

/** Nested arrays and objects, up to a few thousand levels. */
export const deepValue: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 10, max: 3_000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e20, -1e308, 5e-324) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 3 }) },
);

/** Keys a client might add: typos, prototype words, unicode. */
export const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'priority', 'status', 'id', 'email_uuid '), nastyString.filter((s) => s.length < 200));

/** A value for a field: mostly one that fits, often one that does not. */
const field = <T>(fits: fc.Arbitrary<T>) => fc.oneof({ weight: 2, arbitrary: fits }, { weight: 1, arbitrary: anyValue });

const emailUuid = fc.oneof(
  fc.uuid().chain((u) => fc.mixedCase(fc.constant(u))),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,30}$/),
);

// Object.prototype's names reach the email reader too (it once met them in plain-object lookups and answered 500).
const PROTOTYPE_WORD = fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype));

/** Text of the email and the triage reason, which the email reader (dispute/) reads when the event is valid. */
const readerText = fc.oneof(
  fc.constantFrom('Pricing discrepancy on INV-004143', 'We were billed twice for INV-004143 ($172.80).', 'Damaged on arrival', 'Please send a credit memo.'),
  nastyString,
  fc.tuple(nastyString, PROTOTYPE_WORD).map(([s, w]) => `${s} ${w} ${s}`),
);

const email = fc.record(
  {
    from: field(fc.constantFrom('James Okafor <james.okafor@bluewatermarine.example>', 'ap@example.com', 'x')),
    to: field(readerText),
    subject: field(readerText),
    body: field(readerText),
    received_at: field(fc.constantFrom('2026-11-20T15:00:00Z', '2026-11-20T15:00:00+01:00', '2026-13-45T99:00:00Z', 'yesterday')),
  },
  { requiredKeys: [] },
);

/**
 * A triage event that fits the schema's shape, with any text in every text field: these reach the email
 * reader and the database, where NUL, lone surrogates and huge or odd text used to answer 500.
 */
export const textOnlyEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    uuid: fc.uuid(), // replaced by a fresh one where a run must start
    customer_id: fc.option(fc.constantFrom(1002, 1003, 1004, 999999), { nil: undefined }),
    invoice_ref: fc.option(fc.oneof(fc.constantFrom('INV-004143', '4143'), nastyString.filter((s) => s.length <= 64)), { nil: undefined }),
    reason_text: readerText,
    email: fc.option(fc.record({ from: fc.oneof(fc.constant('ap@bluewatermarine.example'), readerText), to: fc.option(readerText, { nil: undefined }), subject: readerText, body: readerText }), { nil: undefined }),
  })
  .map(({ uuid, email, ...rest }) => ({ email_uuid: uuid, ...rest, ...(email ? { email: Object.fromEntries(Object.entries(email).filter(([, v]) => v !== undefined)) } : {}) }))
  .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)));

/** A triage event (webhook or manual invoke): every field may be missing, fit, or be anything at all. */
export const triageBody: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.record(
      {
        email_uuid: field(emailUuid),
        customer_id: field(fc.constantFrom(1002, 1003, 1004, null)),
        invoice_ref: field(fc.constantFrom('INV-004143', '4143', 'INV18220', null)),
        reason_text: field(readerText),
        email: fc.oneof({ weight: 3, arbitrary: email }, { weight: 1, arbitrary: anyValue }),
      },
      { requiredKeys: [] },
    ),
    fc.option(fc.dictionary(extraKey, anyValue, { minKeys: 1, maxKeys: 2 }), { freq: 4 }),
  )
  .map(([body, extra]) => (extra ? { ...body, ...extra } : body));

/** What a client might send as the body, as bytes: JSON of anything, and bytes that are not JSON or not UTF-8. */
export const rawBody = (json: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 6, arbitrary: json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: json.chain((v) => {
      const s = JSON.stringify(v) ?? 'null';
      return fc.nat({ max: s.length }).map((n) => Buffer.from(s.slice(0, n)));
    }) },
    // A UTF-8 byte order mark, invalid UTF-8 (a lone continuation, an overlong NUL, an encoded surrogate), a raw NUL.
    { weight: 2, arbitrary: fc.tuple(json, fc.constantFrom([0xef, 0xbb, 0xbf], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0x00])).map(([v, bytes]) => {
      const s = Buffer.from(JSON.stringify(v) ?? 'null');
      const at = bytes[0] === 0xef ? 0 : Math.floor(s.length / 2);
      return Buffer.concat([s.subarray(0, at), Buffer.from(bytes), s.subarray(at)]);
    }) },
    // Numbers JSON.stringify never writes, duplicate keys, prototype keys.
    { weight: 2, arbitrary: fc.constantFrom(
      '{"email_uuid":"raw-1","reason_text":"x","customer_id":1e400}',
      '{"email_uuid":"raw-2","reason_text":"x","customer_id":-0}',
      '{"email_uuid":"raw-3","reason_text":"x","customer_id":99999999999999999999}',
      '{"email_uuid":"raw-4","reason_text":"x","customer_id":1.0}',
      '{"email_uuid":"a","email_uuid":"b","reason_text":"dup"}',
      '{"__proto__":{"reason_text":"x"},"email_uuid":"raw-5"}',
      '{"constructor":{"prototype":{"polluted":true}},"email_uuid":"raw-6","reason_text":"x"}',
      '{"note":"ok","__proto__":{"note":"x"}}',
      '{"reason":"\\u0000"}',
      '{"note":"\\ud800"}',
      '', ' ', 'null', '[]', '"text"', '123', 'true', '{', '}', '{"a":', '\u0000',
    ).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40_000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))) },
  );

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes EF BF BD, as any encoder does). */
export const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');

const rawJunk = fc.constantFrom('%', '%ZZ', '%00', '%ff', '%ED%A0%80', '%C0%80', '%2', '+', '%2F', '%2e%2e', '..', '.', '%5B%5D', '[]', '%0D%0A');

/** One path segment standing for an id. */
export const idSegment = (existing: number[]) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...existing.map(String)) },
    { weight: 2, arbitrary: fc.nat().map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String) },
    { weight: 2, arbitrary: fc.constantFrom('-1', '0', '1e400', '1e3', '0x10', '1.5', '+1', '007', ' 1', '9007199254740991', '9007199254740992', '9223372036854775807', '9223372036854775808', 'NaN', 'null') },
    { weight: 2, arbitrary: nastyString.filter((s) => s.length < 300).map(enc) },
    { weight: 1, arbitrary: rawJunk },
  );

const queryPair = (keys: string[], values: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: extraKey }), values).map(([k, v]) => `${enc(k)}=${enc(v)}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...keys), rawJunk).map(([k, j]) => `${k}=${j}`) },
    { weight: 1, arbitrary: fc.constantFrom('=x', '&', 'status', 'limit=', 'a[b]=1', '__proto__=1', 'constructor[prototype][x]=1', 'token') },
  );

/** A query string over these parameters, with duplicates (which koa turns into arrays) and junk. */
export const queryString = (keys: string[], fits: fc.Arbitrary<string>) =>
  fc
    .array(queryPair(keys, fc.oneof({ weight: 2, arbitrary: fits }, { weight: 2, arbitrary: nastyString.filter((s) => s.length < 2_000) }, { weight: 1, arbitrary: fc.constantFrom('1', '0', '-1', '200', '201', '1e12', '1e300', '99999999999999999999', '0.5', '876000', '876001', 'Infinity') })), { maxLength: 5 })
    .map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));

/** Header values must be ByteStrings without CR, LF or NUL: printable ASCII and Latin-1. */
export const headerJunk = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 100 });

export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'application/merge-patch+json',
      '*/*',
      '',
    ),
    headerJunk,
  ),
  { freq: 5 },
);

export const accept = fc.option(fc.constantFrom('application/json', 'text/html', '*/*', 'text/html,application/json;q=0.9', 'image/png', 'text/event-stream', 'garbage', ''), { freq: 3 });

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'MKCOL', 'LOCK', 'PURGE', 'FOO'];
export const method = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 2, arbitrary: fc.constantFrom(...METHODS) });
