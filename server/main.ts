// `npm start`: the HTTP server and the workers (timer scheduler). `npm run worker`: workers only.
// Any number of these processes may run against one database.
import type { Server } from 'node:http';
import path from 'node:path';
import { connect } from '../persistence/connect.ts';
import { migrate } from '../persistence/migrate.ts';
import { importMirror, mirrorIsEmpty } from '../persistence/mirror/import.ts';
import { SAMPLE_MIRROR_DIR } from '../persistence/mirror/sample.ts';
import { GroupCommit } from '../runtime/batch.ts';
import { systemClock } from '../runtime/clock.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { timerScheduler } from '../runtime/timers.ts';
import { statisticsKeeper } from '../runtime/statistics.ts';
import { runCountsFolder } from '../runtime/runCounts.ts';
import { verifyScheduler, verifyWorkers } from '../runtime/verify.ts';
import { outboxDispatcher } from '../runtime/outbox.ts';
import { folderMailer, smtpMailer } from '../runtime/mailer.ts';
import { runFeed } from '../runtime/runFeed.ts';
import { inspectionBridge, parseStatelyInspect, statelyInspector } from '../runtime/inspection.ts';
import { createApp } from './app.ts';
import { createMetrics } from './metrics.ts';
import { ConfigError, loadConfig } from './config.ts';
import { unhandledRejection } from './errors.ts';
import { createLogger, rateLimitedErrors } from './log.ts';

const workerOnly = process.argv.includes('--worker');
/** Open during start-up, so that a failed start still stops the embedded PostgreSQL it launched. */
let openDb: { close(): Promise<void> } | undefined;

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const errors = rateLimitedErrors(log);
  // Whatever Node itself would print goes through the logger too, so that stderr is JSON lines only.
  process.removeAllListeners('warning');
  process.on('warning', (w) => errors(`warning:${w.name}`, 'warn', 'node warning', { name: w.name, error: w.message }));
  process.on('unhandledRejection', unhandledRejection(errors));
  process.on('uncaughtException', (err) => {
    log('error', 'uncaught exception: exiting', { error: String(err?.stack ?? err) });
    process.exit(1);
  });
  const db = await connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, max: config.dbPoolMax, log: (m) => log('info', m) });
  openDb = db;
  log('info', db.embedded ? `using the embedded PostgreSQL under ${config.dataDir}` : 'using DATABASE_URL');
  const applied = await migrate(db.sql);
  if (applied.length) log('info', 'migrations applied', { versions: applied });
  if (!workerOnly && (await mirrorIsEmpty(db.sql))) {
    const counts = await importMirror(db.sql, SAMPLE_MIRROR_DIR);
    log('info', 'the NetSuite mirror was empty: loaded the sample mirror', counts);
  }

  const metrics = createMetrics(db.sql, systemClock);
  // Starts and decisions that arrive while the engine's transactions are busy share the next one.
  const group = new GroupCommit(db.sql, { batch: config.engineBatch, transactions: config.engineTransactions, observe: metrics.observeGroup });
  const deps = { sql: db.sql, clock: systemClock, effects: effectRegistry(), notifyUrl: config.notifyUrl, observe: metrics.observeEvent, group };
  // Approved mail: a real SMTP server when SMTP_URL is set, else RFC 822 files under DATA_DIR/mail/.
  const mailDir = path.resolve(config.dataDir, 'mail');
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.deliveryTimeoutMs) : folderMailer(mailDir);
  log('info', config.smtpUrl ? `approved mail is sent by SMTP to ${new URL(config.smtpUrl).host}` : `approved mail is written to ${mailDir}`);
  const workers = [
    timerScheduler(deps, { onError: (err) => log('error', 'timer scheduler', { error: String(err) }) }),
    verifyScheduler(deps, config.verifySchedule, (err) => log('error', 'verify scheduler', { error: String(err) }), { workers: verifyWorkers(config.dbPoolMax) }),
    // Fresh planner statistics while the tables are young (persistence/statistics.ts).
    statisticsKeeper(db.sql, {
      onError: (err) => log('error', 'statistics keeper', { error: String(err) }),
      onAnalyzed: (tables) => log('debug', 'planner statistics gathered again', { tables }),
    }),
    // The per-status run counts' deltas folded into their counters (persistence/runCounts.ts).
    runCountsFolder(db.sql, { onError: (err) => log('error', 'run counts', { error: String(err) }) }),
    outboxDispatcher(
      {
        sql: db.sql,
        clock: systemClock,
        secret: config.notifySecret,
        mailer,
        erpDir: path.resolve(config.dataDir, 'erp'),
        notifyUrl: config.notifyUrl,
        deliveryTimeoutMs: config.deliveryTimeoutMs,
      },
      (err) => log('error', 'outbox dispatcher', { error: String(err) }),
    ),
  ];
  for (const w of workers) await w.start();

  // One LISTEN per process feeds the pages' live view (SSE) and, when STATELY_INSPECT is set, Stately's inspector.
  const feed = runFeed(db.sql, (err) => log('error', 'live feed', { error: String(err) }));
  const stately = parseStatelyInspect(config.statelyInspect);
  let stopStately = async () => {};
  if (stately) {
    const target = await statelyInspector(stately, (m) => log('info', m));
    const bridge = inspectionBridge({ sql: db.sql, feed, inspector: target.inspector, onError: (err) => log('error', 'stately inspection', { error: String(err) }) });
    await bridge.start();
    stopStately = async () => {
      await bridge.stop();
      target.stop();
    };
    log('info', `streaming runs to the Stately inspector at ${stately.url}`);
  }

  let server: Server | undefined;
  if (!workerOnly) {
    const app = createApp(Object.assign({}, deps, { config, log, errors, feed, metrics }));
    server = app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => server!.once('listening', resolve).once('error', reject));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    log('info', `disputeflow listening on http://localhost:${port}`, { port });
    if (config.generatedSecretsFile) {
      console.log(
        `No WEBHOOK_SECRET / APPROVER_TOKENS set: development secrets are in ${config.generatedSecretsFile}\n` +
          `(set both variables in production; this file is for local use only).`,
      );
    }
  } else log('info', 'worker started (timer scheduler, verify scheduler, statistics keeper, run counts, outbox dispatcher)');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: shutting down`);
    // A shutdown that cannot finish (a hung connection, say) must not leave the process running forever.
    setTimeout(() => {
      log('error', 'shutdown did not finish within 30 s: exiting anyway');
      process.exit(1);
    }, 30_000).unref();
    // Stop taking work, let the transaction in flight finish, then close the pool (and the embedded server).
    // Closing the live feed ends the SSE streams, which would otherwise keep server.close() waiting.
    const serverClosed = server ? new Promise<void>((r) => server!.close(() => r())) : undefined;
    await stopStately();
    await feed.close();
    await Promise.all([
      serverClosed,
      ...workers.map((w) => w.stop()),
    ]);
    server?.closeAllConnections();
    mailer.close();
    await db.close();
    errors.flush();
    log('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch(async (err) => {
  console.error(`disputeflow failed to start: ${(err as Error).message ?? err}`);
  await openDb?.close().catch(() => {});
  process.exit(1);
});
