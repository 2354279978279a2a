// What-if replay of one run: its recorded journal re-applied to the machine this process runs. Reads only.
import type Router from '@koa/router';
import { MACHINE_VERSION } from '../../machines/dispute.ts';
import { runJournal } from '../../persistence/journal.ts';
import { getRun } from '../../persistence/runs.ts';
import { replayJournal } from '../../runtime/replay.ts';
import type { AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { notFound } from '../errors.ts';
import { IdParam, parseParam } from '../schemas.ts';

export function replayRoutes(router: Router, deps: AppDeps): void {
  router.get('/runs/:id/replay', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const id = parseParam(ctx, 'id', IdParam);
    const run = await getRun(deps.sql, id);
    if (!run) throw notFound(`run ${id} does not exist`);
    const result = replayJournal(await runJournal(deps.sql, id));
    ctx.body = { run_id: id, recorded_machine_version: run.machine_version, machine_version: MACHINE_VERSION, status: run.status, ...result };
  });
}
