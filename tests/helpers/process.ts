// Starts the real product as `npm start` runs it (`node dist/main.js`, which tests/helpers/global-setup.ts builds
// from the sources once per `vitest run`) as a child process and waits until it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { NODE_FLAGS } from '../../scripts/build.mjs';

export interface Child {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** What the process wrote on stderr alone (its log). */
  stderr(): string;
  exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startProduct(env: Record<string, string | undefined>, args: string[] = []): Promise<Child> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port) };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const proc = spawn(process.execPath, [...NODE_FLAGS, 'dist/main.js', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => {
    out += d;
    err += d;
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  if (args.includes('--worker')) {
    await waitFor(() => out.includes('worker started'), 60_000, () => out);
  } else {
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200, 60_000, () => out, proc);
  }
  return { proc, url, output: () => out, stderr: () => err, exited };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, why: () => string, proc?: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    if (proc && proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}):\n${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out:\n${why()}`);
}
