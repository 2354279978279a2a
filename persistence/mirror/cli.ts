// npm run mirror:import -- <folder>: loads NetSuite CSV exports into the mirror of DATABASE_URL
// (or of the embedded database under DATA_DIR).
import { connect } from '../connect.ts';
import { migrate } from '../migrate.ts';
import { importMirror, MirrorImportError } from './import.ts';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: npm run mirror:import -- <folder with customers.csv, contacts.csv, transactions.csv, customer_payments.csv, ar_disputes.csv>');
  process.exit(2);
}
const db = await connect({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || '.data', max: 2 });
try {
  await migrate(db.sql);
  const counts = await importMirror(db.sql, folder);
  for (const [table, n] of Object.entries(counts)) console.log(`${table}: ${n} rows`);
} catch (err) {
  if (err instanceof MirrorImportError) {
    console.error(`import failed, nothing was kept: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await db.close();
}
