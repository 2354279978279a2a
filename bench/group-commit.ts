// Group commit as the server composes it (server/main.ts), for the benches: its defaults unless ENGINE_BATCH /
// ENGINE_TRANSACTIONS say. A module of its own so that bench/serve.ts, bundled for the HTTP bench, takes only this.
import type { Sql } from '../persistence/connect.ts';
import { GROUP_COMMIT_DEFAULTS, GroupCommit } from '../runtime/batch.ts';

export function benchGroupCommit(sql: Sql): GroupCommit {
  return new GroupCommit(sql, {
    batch: Number(process.env.ENGINE_BATCH ?? GROUP_COMMIT_DEFAULTS.batch),
    transactions: Number(process.env.ENGINE_TRANSACTIONS ?? GROUP_COMMIT_DEFAULTS.transactions),
  });
}
