// A Unix socket wherever PostgreSQL is local and it is configured: a host=/dir parameter of DATABASE_URL,
// or PGHOST=/dir for a URL naming this machine. The session really goes through the socket (the server
// sees no client address), and the host= parameter never reaches the server as a setting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketDirectory, sqlClient } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('socketDirectory', () => {
  it('takes host=/dir from the URL, and PGHOST=/dir only for a local URL', () => {
    expect(socketDirectory('postgres://u@127.0.0.1:5432/db?host=/var/run/postgresql', {})).toBe('/var/run/postgresql');
    expect(socketDirectory('postgres://u@db.example:5432/db?host=%2Ftmp%2Fpg', {})).toBe('/tmp/pg');
    expect(socketDirectory('postgres://u@localhost:5432/db', { PGHOST: '/run/pg' })).toBe('/run/pg');
    expect(socketDirectory('postgres://u@127.0.0.1/db', { PGHOST: '/run/pg' })).toBe('/run/pg');
    expect(socketDirectory('postgres://u@[::1]:5432/db', { PGHOST: '/run/pg' })).toBe('/run/pg');
    expect(socketDirectory('postgres://u@db.example:5432/db', { PGHOST: '/run/pg' })).toBeUndefined();
    expect(socketDirectory('postgres://u@localhost:5432/db', { PGHOST: 'db.example' })).toBeUndefined();
    expect(socketDirectory('postgres://u@localhost:5432/db?host=db.example', {})).toBeUndefined();
    expect(socketDirectory('postgres://u@localhost:5432/db', {})).toBeUndefined();
    expect(socketDirectory('not a url', { PGHOST: '/run/pg' })).toBeUndefined();
  });
});

describe('sqlClient over a Unix socket', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase({ mirror: false });
    const [row] = await db.sql<{ dirs: string }[]>`SELECT current_setting('unix_socket_directories') AS dirs`;
    dir = row!.dirs.split(',')[0]!.trim();
  });
  afterAll(() => db.drop());

  it('connects through the socket with host=/dir, and over TCP without', async () => {
    expect(dir, 'the test server listens on no Unix socket (unix_socket_directories is empty)').toMatch(/^\//);
    const url = new URL(db.url);
    url.searchParams.set('host', dir);
    const viaSocket = sqlClient(url.toString(), 1);
    try {
      const [s] = await viaSocket<{ addr: string | null; db: string }[]>`SELECT inet_client_addr()::text AS addr, current_database() AS db`;
      expect(s).toEqual({ addr: null, db: db.name });
    } finally {
      await viaSocket.end();
    }
    const [t] = await db.sql<{ addr: string | null }[]>`SELECT inet_client_addr()::text AS addr`;
    expect(t!.addr).not.toBeNull();
  });
});
