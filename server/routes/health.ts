import type Router from '@koa/router';
import { migrationStatus } from '../../persistence/migrate.ts';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(router: Router, deps: AppDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      const m = await migrationStatus(deps.sql);
      const ready = m.applied === m.latest;
      ctx.status = ready ? 200 : 503;
      ctx.body = { status: ready ? 'ready' : 'migrations_pending', database: 'reachable', migrations: m };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database_unreachable', database: 'unreachable' };
    }
  });
}
