// Opens the database: DATABASE_URL when given, otherwise the embedded PostgreSQL under DATA_DIR.
import postgres from 'postgres';
import { startEmbedded, type EmbeddedHandle } from './embedded.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** What a query needs: the pool or a transaction. A function that must run inside one takes `Tx`. */
export type Db = postgres.ISql;

export interface Database {
  sql: Sql;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  max?: number;
  log?: (msg: string) => void;
}

export function sqlClient(url: string, max = 10): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    // numeric and bigint come back as strings by default; ids and amounts here fit in a double.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      numeric: { to: 1700, from: [1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
    },
    connection: { application_name: 'disputeflow' },
  });
}

export async function connect(opts: ConnectOptions): Promise<Database> {
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedHandle | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(opts.dataDir, log);
    url = embedded.url;
  }
  const sql = sqlClient(url, opts.max);
  return {
    sql,
    url,
    embedded: Boolean(embedded),
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
