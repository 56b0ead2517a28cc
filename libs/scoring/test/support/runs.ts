import { metrics } from '../../src/metrics.js';

/** session.run calls made so far for a model, as the metrics count them (one rows observation per run). */
export async function runsOf(model: string): Promise<number> {
  const { values } = await metrics.batchRows.get();
  const count = values.find((v) => v.metricName === 'modelfn_batch_rows_count' && v.labels.model === model);
  return count?.value ?? 0;
}
