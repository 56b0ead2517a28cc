/**
 * What a run of n rows costs a model, learnt from its recent runs: a least-squares line
 * `seconds = fixed + perRow × n`, as BentoML's adaptive batching fits one. Batching pays while the fixed
 * part, shared by a batch, is a real share of the cost; for a model whose cost is all per row (PP-OCRv4
 * recognition on CPU) a batch only makes its first rows wait for the last.
 */
export class BatchCost {
  private readonly rows: number[] = [];
  private readonly seconds: number[] = [];
  private next = 0;
  private dispatches = 0;

  constructor(
    /** Runs remembered; old ones age out as load and the machine change. */
    private readonly window = 64,
    /** A doubling of the batch must save at least this share of the per-row cost. */
    private readonly minGain = 0.05,
  ) {}

  observe(rows: number, seconds: number): void {
    this.rows[this.next] = rows;
    this.seconds[this.next] = seconds;
    this.next = (this.next + 1) % this.window;
  }

  /** The fitted line, once the runs seen had at least two sizes. */
  fit(): { fixed: number; perRow: number } | undefined {
    const n = this.rows.length;
    if (n < 8) return undefined;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += this.rows[i];
      sy += this.seconds[i];
    }
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += (this.rows[i] - mx) ** 2;
      sxy += (this.rows[i] - mx) * (this.seconds[i] - my);
    }
    if (sxx === 0) return undefined;
    const perRow = Math.max(sxy / sxx, 1e-9);
    return { fixed: Math.max(my - perRow * mx, 0), perRow };
  }

  /**
   * The most rows a batch should hold, at most `max`. Doubling a batch of n saves fixed/(2n) per row: it
   * stops paying once that is below `minGain` of the per-row cost. Until the runs seen tell, and on every
   * 32nd call (the model and the load change), a batch may be twice the learnt size so the line stays
   * measured beyond it.
   */
  limit(max: number): number {
    const f = this.fit();
    if (!f) return max;
    // fixed / (2n) >= minGain × (fixed / n + perRow)  ⇔  n <= fixed (1/2 - minGain) / (minGain × perRow)
    const useful = Math.max(1, Math.floor((f.fixed * (0.5 - this.minGain)) / (this.minGain * f.perRow)));
    const explore = ++this.dispatches % 32 === 0 ? 2 : 1;
    return Math.min(max, useful * explore);
  }
}
