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
