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
