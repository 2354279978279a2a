// Runs a job on a short poll and whenever a NOTIFY arrives on its channel; never two at once in one process.
// Stopping waits for the job in flight, so a shutdown never cuts a transaction short.
import type { Sql } from '../persistence/connect.ts';

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly channel: string | null,
    private readonly job: () => Promise<unknown>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void = (err) => console.error(err),
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (this.channel) {
      const l = await this.sql.listen(this.channel, () => this.kick());
      this.unlisten = l.unlisten;
    }
    this.schedule();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.job();
        } catch (err) {
          this.onError(err);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  private schedule(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.running;
  }
}

/**
 * A wake-up at a known time, for a poller whose next work has a due time (a timer, a cron fire time): the
 * work runs when it falls due instead of up to a poll later. Only a due time before the next poll is armed;
 * the poll after it sees later ones. The timer is unref'd: it never keeps the process alive, and a kick
 * after stop() does nothing.
 */
export class WakeUp {
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly kick: () => void) {}

  /** True when `due` is still ahead of `now` (then a wake-up is armed for it if it comes before `pollMs`). */
  until(due: Date, now: Date, pollMs: number): boolean {
    const wait = due.getTime() - now.getTime();
    if (wait <= 0) return false;
    if (wait < pollMs) {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.kick, wait);
      this.timer.unref();
    }
    return true;
  }
}
