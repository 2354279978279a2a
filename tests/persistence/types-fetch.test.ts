// vendor/postgres "Why, 7": a connection reset while it reads the server's array types (the first thing
// postgres.js does on every new connection) must not leave an unhandled rejection, which stops a Node process.
// A TCP proxy in front of the test database resets the connection the first time it sees the types query.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let proxy: net.Server;
let cuts = 0;
let cutNext = true;
beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  proxy = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
    server.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (cutNext && chunk.includes('typcategory')) {
        cutNext = false;
        cuts++;
        client.resetAndDestroy(); // a reset (RST), as a dropped network or a killed server gives: the socket errors
        server.destroy();
        return;
      }
      server.write(chunk);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await db.drop();
});

describe('a connection reset while it reads the array types', () => {
  it('fails the statement waiting for it, leaves no unhandled rejection, and the next connection works', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as net.AddressInfo).port);
    const sql = sqlClient(url.toString(), 1);
    try {
      // The statement that opened the connection fails with the connection's error, as any statement on a reset
      // connection does (the caller may repeat it).
      await expect(sql`SELECT 1 AS one`).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(cuts).toBe(1);
      // The next one opens a new connection, which reads the types again (an int[] parameter needs them).
      const [row] = await sql<{ list: number[] }[]>`SELECT ${[1, 2, 3]}::int[] AS list`;
      expect(row).toEqual({ list: [1, 2, 3] });
      await new Promise((r) => setTimeout(r, 100)); // a rejection nobody handles is reported after the microtasks
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
      await sql.end();
    }
  });
});
