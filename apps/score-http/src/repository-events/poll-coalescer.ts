/**
 * Pokes folded into as few polls as still see every change: a poke while no poll runs starts one; pokes
 * while one runs share a single poll after it (the running one may have listed the container before their
 * blobs were written); pokes while that one waits join it. An upload of a model version (config.json, then
 * each file) is a burst of events: it costs at most two reads of the repository, not one per blob.
 */
export class PollCoalescer {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly poll: () => Promise<void>) {}

  /** Resolves once a poll that started after this call has finished. */
  request(): Promise<void> {
    if (this.next) return this.next;
    if (!this.running) return this.start();
    const after = () => {
      this.next = undefined;
      return this.start();
    };
    this.next = this.running.then(after, after);
    return this.next;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.poll().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
