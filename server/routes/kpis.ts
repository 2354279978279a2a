// GET /api/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD — the AR dashboard's numbers for the days from..to (UTC, both
// included; default the last 30 days). Read only; each chart of /dashboard draws one of these lists.
import type Router from '@koa/router';
import { z } from 'zod';
import { CONTRACT } from '../../machines/contract.ts';
import * as kpis from '../../persistence/kpis.ts';
import type { AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { badRequest } from '../errors.ts';
import { parseQuery, text } from '../schemas.ts';

const DAY = 86_400_000;
const MAX_DAYS = 366;

/** A calendar day as YYYY-MM-DD (2026-02-30 is not one). */
const day = text(10)
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'must be a real calendar date')
  // A range's end is the next day at 00:00Z: years past 9999 do not print as ISO dates PostgreSQL reads.
  .refine((s) => s >= '1900-01-01' && s <= '2999-12-31', 'must be a date from 1900-01-01 to 2999-12-31')
  .optional();

export const KpisQuery = z.strictObject({ from: day, to: day });

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** The range asked for, as [from 00:00Z, the day after `to` 00:00Z); a 400 naming the field when it is not one. */
export function kpiRange(q: z.output<typeof KpisQuery>, now: Date): { from: string; to: string; range: kpis.KpiRange } {
  const to = q.to ?? dayOf(now);
  const from = q.from ?? dayOf(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY));
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY);
  if (start >= end) throw badRequest('to: must not be before from', [{ field: 'to', message: 'must not be before from' }]);
  if (end.getTime() - start.getTime() > MAX_DAYS * DAY) {
    throw badRequest(`from: the range must be at most ${MAX_DAYS} days`, [{ field: 'from', message: `must be at most ${MAX_DAYS} days before to` }]);
  }
  return { from, to, range: { from: start, to: end } };
}

export function kpiRoutes(router: Router, deps: AppDeps): void {
  router.get('/api/kpis', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const { from, to, range } = kpiRange(parseQuery(ctx, KpisQuery), deps.clock.now());
    const [perDay, byAge, decisions, outcome, verify, customers, corrections] = await Promise.all([
      kpis.disputesPerDay(deps.sql, range),
      kpis.openAmountByAge(deps.sql, range),
      kpis.decisionTimes(deps.sql, range),
      kpis.outcomes(deps.sql, range),
      kpis.verifyResults(deps.sql, range),
      kpis.topCustomers(deps.sql, range),
      kpis.reasonCorrections(deps.sql, range),
    ]);
    ctx.body = {
      from,
      to,
      approval_window_minutes: CONTRACT.hitl.approval_window_minutes,
      // A dispute is open unless its run ended in one of these.
      closed_statuses: kpis.CLOSED_STATUSES,
      disputes_per_day: perDay,
      open_amount_by_age: byAge,
      decision_minutes_per_day: decisions,
      outcomes: outcome,
      verify,
      top_customers: customers,
      reason_corrections: corrections,
    };
  });
}
