// Opens the database: DATABASE_URL when given, otherwise the embedded PostgreSQL under DATA_DIR.
// postgres.js 3.4.9 as vendored in vendor/postgres, with a fix that lets a process survive the database
// stopping under it (see vendor/postgres/README.md); its types are the npm package's.
import postgres from '../vendor/postgres/src/index.js';
import { startEmbedded, type EmbeddedHandle } from './embedded.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** A piece of SQL (`sql\`…\``) placed into another statement's template: its text and values join that statement. */
export type Fragment = postgres.Fragment;
/**
 * Sends the transaction's COMMIT now, in the same write as the statements issued before it, instead of after
 * the transaction's function returns (vendor/postgres README, Why, 5). `tx` must be the transaction's own
 * `sql`, not a savepoint's; the function must send nothing after this (it would be refused) and must not fail
 * but through the statements already sent. The answer is the COMMIT's; it rejects if the transaction was
 * rolled back instead (a statement in it failed).
 */
export function commitNow(tx: Tx): Promise<unknown> {
  return (tx as Tx & { commit(): Promise<unknown> }).commit();
}
/** What a query needs: the pool or a transaction. A function that must run inside one takes `Tx`. */
export type Db = postgres.ISql;

export interface Database {
  sql: Sql;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  max?: number;
  log?: (msg: string) => void;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '']);

/** Whether the URL names this machine (localhost, 127.0.0.1, ::1, or no host); false for a URL that is not one. */
export function namesThisMachine(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The directory of PostgreSQL's Unix socket to connect through, when configured: a `host=/dir` parameter of
 * the URL (`postgres://user@localhost:5432/db?host=/var/run/postgresql`), or PGHOST=/dir when the URL names
 * this machine (localhost, 127.0.0.1, ::1). Otherwise undefined: TCP to the URL's host. A local socket skips
 * the TCP loopback stack on every round trip (BENCHMARKS.md has the difference).
 */
export function socketDirectory(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const param = u.searchParams.get('host');
  if (param?.startsWith('/')) return param;
  if (env.PGHOST?.startsWith('/') && namesThisMachine(url)) return env.PGHOST;
  return undefined;
}

export function sqlClient(url: string, max = 10): Sql {
  const socketDir = socketDirectory(url);
  if (socketDir) {
    // postgres.js takes the socket as its host option; left in the URL, host= would go to the server as a
    // setting it does not know.
    const u = new URL(url);
    u.searchParams.delete('host');
    url = u.toString();
  }
  return postgres(url, Object.assign({}, socketDir ? { host: socketDir } : {}, {
    max,
    onnotice: () => {},
    // Seconds before a closed connection tries again. postgres.js's default grows with every failed
    // attempt to 10–20 s, so after a short database outage queries (and the pollers' LISTEN) waited that
    // long after the database was back, and requests made during the outage hung as long before failing.
    // Capped at 1 s (with jitter): outages cost at most about a second either side.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
    // numeric and bigint come back as strings by default; ids and amounts here fit in a double.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      numeric: { to: 1700, from: [1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
    },
    // jit off: PostgreSQL compiles a statement to machine code when its estimated cost passes jit_above_cost
    // (100,000), and a prepared statement's generic plan cannot see its LIMIT's value, so it costs the plan as if
    // a tenth of the table came back. At a million runs the approvals queue (`GET /proposed-actions?status=pending`,
    // 201 rows read through an index) was compiled on every request: EXPLAIN ANALYZE 83 ms with the JIT (19 ms of it
    // generating code), 3.6 ms without; in the server 34-50 ms a page, 7-16 ms with it off (BENCHMARKS.md, round 18).
    // Nothing we run reads enough rows to gain from compiling.
    connection: { application_name: 'disputeflow', jit: 'off' },
  }));
}

/** SQLSTATEs that mean the server is not there for us right now (not that the statement was wrong). */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping and ended our session
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);
/** Socket errors (Node) and postgres.js's own connection errors. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT',
]);

/**
 * True when an error means the database could not be reached or dropped the connection (stopped,
 * restarting, unreachable, out of connections), as opposed to a statement it rejected. Callers answer
 * these with "try again later"; the pool reconnects by itself.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'); // 08xxx: connection exception
}

export async function connect(opts: ConnectOptions): Promise<Database> {
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedHandle | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(opts.dataDir, log);
    url = embedded.url;
  }
  // The embedded server is local: through its Unix socket when it has one.
  const sql = sqlClient(embedded?.socketUrl ?? url, opts.max);
  return {
    sql,
    url,
    embedded: Boolean(embedded),
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
