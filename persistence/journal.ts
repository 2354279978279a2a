// Reading runs' journals for what-if replay (runtime/replay.ts): one run's entries in order, and the runs a
// replay over many should cover.
import type { Db } from './connect.ts';

export interface JournalEntry {
  seq: number;
  event: Record<string, unknown>;
  state_after: unknown;
}

export async function runJournal(sql: Db, runId: number): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`SELECT seq, event, state_after FROM run_journal WHERE run_id = ${runId} ORDER BY seq`;
}

export interface ReplaySelection {
  since?: Date | undefined;
  statuses?: readonly string[] | undefined;
  /** Pages through the runs: only ids above this one. */
  after?: number | undefined;
  limit: number;
}

/** Ids, status and machine version of the runs to replay, oldest first. */
export async function runsToReplay(sql: Db, s: ReplaySelection): Promise<{ id: number; status: string; machine_version: number }[]> {
  return sql<{ id: number; status: string; machine_version: number }[]>`
    SELECT id, status, machine_version FROM runs
    WHERE true
      ${s.since ? sql`AND created_at >= ${s.since}` : sql``}
      ${s.statuses?.length ? sql`AND status IN ${sql(s.statuses as string[])}` : sql``}
      ${s.after ? sql`AND id > ${s.after}` : sql``}
    ORDER BY id
    LIMIT ${s.limit}`;
}
