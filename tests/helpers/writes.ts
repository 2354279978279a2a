// Round trips counted rather than timed: the socket writes this process makes while a function runs.
import net from 'node:net';

/** Socket writes made while `f` runs (every socket of this process: the tests of a file run one at a time). */
export async function writesDuring(f: () => Promise<unknown>): Promise<number> {
  const original = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    writes++;
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof original;
  try {
    await f();
  } finally {
    net.Socket.prototype.write = original;
  }
  return writes;
}
