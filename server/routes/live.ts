// GET /api/live: server-sent events of committed run events, for the pages (inspector, approvals, contract).
// Each message is what the engine NOTIFYs ({run_id, status, seq}); the page then reads what it shows through
// the HTTP API. One LISTEN per process (runtime/runFeed.ts) feeds every client of that process.
import type Router from '@koa/router';
import type { RunFeed } from '../../runtime/runFeed.ts';
import type { AppDeps } from '../deps.ts';
import { approverOfStream } from '../auth.ts';

const HEARTBEAT_MS = 20_000;

export function liveRoutes(router: Router, deps: AppDeps, feed: RunFeed): void {
  router.get('/api/live', async (ctx) => {
    approverOfStream(ctx, deps.config.approvers);
    // HEAD gets the headers and ends: Node writes no body for HEAD, so a stream would never flush them.
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = 'text/event-stream; charset=utf-8';
      return;
    }
    const res = ctx.res;
    let open = true;
    const write = (text: string) => {
      if (open && !res.writableEnded) res.write(text);
    };
    const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let unsubscribe = () => {};
    const heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      unsubscribe();
      if (!res.writableEnded) res.end();
    };
    ctx.req.on('close', end);
    unsubscribe = await feed.subscribe({
      notice: (n) => send('run', n),
      resync: () => send('resync', { now: deps.clock.now().toISOString() }),
      close: end,
    });
    // The response is written here, not by Koa: a client going away is normal for a stream, not an error.
    ctx.respond = false;
    ctx.status = 200;
    if (!open || ctx.req.destroyed) return end();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Sent once the LISTEN is active: a client that has seen `hello` misses no later commit.
    write('retry: 2000\n\n');
    send('hello', { now: deps.clock.now().toISOString() });
  });
}
