// Migrations are append-only once committed. Every database records the checksum of each migration it
// applied and refuses to start when the file no longer matches (persistence/migrate.ts), so an edited
// migration breaks every existing DATA_DIR and server. This test holds the checksum of every committed file.
import { describe, expect, it } from 'vitest';
import { loadMigrations, type Migration } from '../../persistence/migrate.ts';

/** sha256 of every committed migration file. Adding a migration: list it here in the same commit. */
const RELEASED: Record<string, string> = {
  '0001_init.sql': '66a8e4227122145ede144001e5422fa6702f6333e03a9dd99b8dabaa949afa18',
  '0002_reconcile_init.sql': '533cb569e4fc7ade6d4dc2c0049900eb37f1ecda1601b99ca9aea64282b486dd',
  '0003_approval_loop.sql': '40ba3e3f107c6bcaf633f4c57f547a6475bd34f003f05fc956f12e7e4db84dec',
  '0004_canonical_email_uuid.sql': '093769ce9dd5dcea4fd0f73a7ba680e1dc077860ced9c44a7254b77b71213af8',
  '0005_run_dispute_facts.sql': 'd9d894e4874f3a8c1670de5e72a2bc77ca427048e25ac79107a8251a96588b04',
  '0006_run_counts_and_run_indexes.sql': 'c6e228170952ac338e11438865af32eb91d540cef7485844520cc890d801416e',
  '0007_run_loaded_context.sql': 'b322439fa3d26ac9309b3ed00fe6aa8bbacf992f6f691a35bc8959d2c77df524',
  '0008_lz4_documents.sql': '249be27aa49a776348d9d482d496002b6f943e1275f300cc2ee797ca17f01653',
  '0009_run_counts_without_waits.sql': '4db450762feaa91ab4b2143273867793670317db9f237107b3a7f5019ecd62b3',
  '0010_proposal_etag.sql': '15fed432bea2d93ab0ece0e04f5cd573ed47514be186ea465b2d1a7528129d9f',
  '0011_history_finished_runs.sql': 'f6db97934c04e6a61ac3e4c31638bce5b5085135db2c8bee92393004b13eee9e',
  '0012_history_plan.sql': '3b9d8ac9eced3989f69710bdb0bdf0f56e08166209bd5df1870010339081fd8f',
  '0013_claim_order_indexes.sql': 'cea00e9d399cb9502659b48ed14cb0114c30127c176ad6810570901c75429498',
  '0014_outbox_lease_order.sql': 'f769f650638516a8e17e7e9cf03f5c8af985645530e4fbe77811f1610a2cb103',
  '0015_proposal_etag_follows_payload.sql': '90536cda5de828614d28de9f71882316de8e4455f50e2d6b0d0d39c0fd0dbeb8',
  '0016_proposal_etag_after_trigger.sql': 'ebcef914a871aeda384d150e58745dabffd492213e7e00c7c97389c529e07ed4',
};

const fileOf = (m: Migration) => `${String(m.version).padStart(4, '0')}_${m.name}.sql`;

describe('released migrations', () => {
  it('are all still there, unchanged', () => {
    const files = new Map(loadMigrations().map((m) => [fileOf(m), m.checksum]));
    for (const [file, checksum] of Object.entries(RELEASED)) {
      expect(files.get(file), `sql/migrations/${file} was edited, renamed or removed after it was released: add a new numbered migration instead`).toBe(checksum);
    }
  });

  it('are all listed here', () => {
    for (const m of loadMigrations()) {
      expect(RELEASED[fileOf(m)], `sql/migrations/${fileOf(m)} is new: list its sha256 (${m.checksum}) in RELEASED of this test when you commit it`).toBeDefined();
    }
  });
});
