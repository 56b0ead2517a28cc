import { ScoringError } from '../errors.js';
import type { ReadyModel } from '../model/model-version.js';
import type { OutputSelection } from '../model/output-selection.js';
import { bytesPerElement } from '../tensor/datatype.js';
import type { Tensor } from '../tensor/tensor.js';

interface Sized {
  name: string;
  shape: number[];
  datatype: string;
  bytes: number;
}

function tensorBytes(t: Tensor): number {
  if (!Array.isArray(t.data)) return t.data.byteLength;
  let n = 0;
  for (const s of t.data) n += Buffer.byteLength(s);
  return n;
}

function refuse(model: ReadyModel, sized: Sized[], limit: number, predicted: boolean): never {
  const total = sized.reduce((n, s) => n + s.bytes, 0);
  const each = sized
    .map((s) => `"${s.name}" ${s.datatype}[${s.shape.join(',')}] ${s.bytes} bytes`)
    .join(', ');
  const others =
    model.outputs.length > 1 ? ` one of ${model.outputs.map((o) => `"${o.name}"`).join(', ')}` : '';
  throw new ScoringError(
    'RESPONSE_TOO_LARGE',
    `the answer of model "${model.name}" ${predicted ? 'would hold' : 'holds'} ${total} bytes of outputs (${each}), over MAX_RESPONSE_BYTES ${limit}: ` +
      `select fewer outputs (?outputs=<name> on /score, blob metadata or the message property "outputs", v2 "outputs"; config.json "outputs" for the model)${others ? `, e.g.${others}` : ''}, or send fewer rows`,
  );
}

/**
 * Refuses, before the model runs, a request whose selected outputs cannot fit in MAX_RESPONSE_BYTES when
 * their shapes are known from the config (every dim fixed): the run and its copies out of the session are
 * never paid for. Outputs with a dynamic dim are checked once they exist (checkResponseSize).
 */
export function checkPredictedSize(
  model: ReadyModel,
  rows: number,
  selected: OutputSelection | undefined,
  limit: number,
): void {
  const picked = selected ? selected.map((k) => model.outputs[k]) : model.outputs;
  const sized: Sized[] = [];
  for (const o of picked) {
    const width = bytesPerElement(o.datatype);
    // Unknown until the run: a dynamic dim, or strings.
    if (width === undefined || o.dims.some((d) => d < 0)) return;
    const shape = model.batched ? [rows, ...o.dims] : o.dims;
    sized.push({
      name: o.name,
      shape,
      datatype: o.datatype,
      bytes: shape.reduce((a, b) => a * b, 1) * width,
    });
  }
  if (sized.reduce((n, s) => n + s.bytes, 0) > limit) refuse(model, sized, limit, true);
}

/**
 * Refuses an answer whose outputs hold more than MAX_RESPONSE_BYTES (their raw bytes: JSON numbers take
 * more), before any of it is encoded: a client never gets hundreds of megabytes of JSON it did not mean to
 * ask for, and the host never builds them.
 */
export function checkResponseSize(model: ReadyModel, outputs: Tensor[], limit: number): void {
  let total = 0;
  for (const t of outputs) total += tensorBytes(t);
  if (total <= limit) return;
  refuse(
    model,
    outputs.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, bytes: tensorBytes(t) })),
    limit,
    false,
  );
}
