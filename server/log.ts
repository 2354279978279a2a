// A small structured logger: one JSON line per entry on stderr. Callers pass only what is safe to log.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type Logger = (level: Level, msg: string, extra?: Record<string, unknown>) => void;

export function createLogger(min: Level | 'silent' = 'info'): Logger {
  return (level, msg, extra) => {
    if (ORDER[level] < ORDER[min]) return;
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...extra }) + '\n');
  };
}

/** Errors any client can cause (aborting, malformed requests) go through here, so none can flood the log. */
export interface ErrorLog {
  /** Logs unless this kind of error has used up its budget; then counts it as suppressed. */
  (kind: string, level: Level, msg: string, extra?: Record<string, unknown>): void;
  /** Writes the "N similar errors suppressed" line of every kind now (at shutdown). */
  flush(): void;
}

export interface ErrorLogOptions {
  /** Entries of one kind logged in a burst. */
  burst?: number;
  /** Entries of one kind per second after the burst. */
  perSecond?: number;
  /** How long after the first suppressed entry the "suppressed" line is written. */
  summaryAfterMs?: number;
  /** Distinct kinds tracked; further kinds share one bucket. */
  maxKinds?: number;
  now?: () => number;
}

/**
 * A token bucket per error kind in front of the logger: `burst` entries, then `perSecond`. What is held back
 * is counted and reported as one line per kind, `summaryAfterMs` after the first suppression (timer unref'd).
 */
export function rateLimitedErrors(log: Logger, o: ErrorLogOptions = {}): ErrorLog {
  const burst = o.burst ?? 10;
  const perSecond = o.perSecond ?? 1;
  const summaryAfterMs = o.summaryAfterMs ?? 10_000;
  const maxKinds = o.maxKinds ?? 50;
  const now = o.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number; suppressed: number; since: number }>();
  let timer: NodeJS.Timeout | undefined;

  const summarize = () => {
    timer = undefined;
    for (const [kind, b] of buckets) {
      if (b.suppressed === 0) continue;
      log('warn', `${b.suppressed} similar errors suppressed`, { kind, suppressed: b.suppressed, since: new Date(b.since).toISOString() });
      b.suppressed = 0;
    }
  };

  const errorLog = ((kind, level, msg, extra) => {
    const key = buckets.has(kind) || buckets.size < maxKinds ? kind : 'other';
    const t = now();
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { tokens: burst, at: t, suppressed: 0, since: t }));
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      log(level, msg, { kind, ...extra });
      return;
    }
    if (b.suppressed === 0) b.since = t;
    b.suppressed += 1;
    if (!timer) {
      timer = setTimeout(summarize, summaryAfterMs);
      timer.unref();
    }
  }) as ErrorLog;
  errorLog.flush = () => {
    if (timer) clearTimeout(timer);
    summarize();
  };
  return errorLog;
}
