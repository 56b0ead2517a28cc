import type { HostLogger } from '@modelfn/functions';

interface Waiting<M> {
  message: M;
  settled: () => void;
}

/**
 * Turns the messages a subscription hands over one at a time into invocations of up to `batchSize`, at most
 * `concurrency` at once, as the Functions host's listener does with what it has prefetched: while every
 * slot is busy messages wait, so under load the batches fill up. A message's take() resolves once its
 * invocation is over and has settled it; the source renews the message's lock until then (LockRenewals).
 */
export class MessagePump<M> {
  private readonly waiting: Waiting<M>[] = [];
  private readonly running = new Set<Promise<void>>();
  private startScheduled = false;
  private stopped = false;

  constructor(
    private readonly batchSize: number,
    private readonly concurrency: number,
    /** Invokes the function over a batch and settles its messages; should not throw. */
    private readonly run: (batch: M[]) => Promise<void>,
    private readonly logger: HostLogger,
  ) {}

  take(message: M): Promise<void> {
    // After stop() nothing more is invoked: the message stays locked until the receiver's close gives it back.
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((settled) => {
      this.waiting.push({ message, settled });
      if (this.waiting.length >= this.batchSize) this.start();
      else if (!this.startScheduled) {
        // The SDK hands over the messages of one socket read synchronously: they go out as one batch.
        this.startScheduled = true;
        setImmediate(() => {
          this.startScheduled = false;
          this.start();
        });
      }
    });
  }

  /** Takes nothing more, waits for the running invocations and gives back the messages still waiting. */
  async stop(): Promise<M[]> {
    this.stopped = true;
    const left = this.waiting.splice(0);
    for (const w of left) w.settled();
    await Promise.all(this.running);
    return left.map((w) => w.message);
  }

  private start(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.batchSize);
      const done: Promise<void> = this.run(batch.map((w) => w.message))
        .catch((e: unknown) => this.logger.error({ err: e }, 'a Service Bus invocation failed to settle'))
        .finally(() => {
          this.running.delete(done);
          for (const w of batch) w.settled();
          this.start();
        });
      this.running.add(done);
    }
  }
}
