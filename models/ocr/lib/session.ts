import type { EntryContext, Tensor } from '@modelfn/scoring/entry';

/** What the pipeline needs of the host: its sessions (by ONNX file name), infer, and the result cache. */
export type OcrContext = Pick<EntryContext, 'infer' | 'sessions' | 'cache'>;

/**
 * One FP32 input through `context.infer`, so the host's per-row cache, single flight and batching apply,
 * and every output by name. The input name comes from the loaded session rather than being assumed ('x'
 * today, but a re-exported graph may rename it).
 */
export async function inferFp32(
  ctx: OcrContext,
  file: string,
  data: Float32Array,
  shape: number[],
): Promise<Record<string, Tensor>> {
  const session = ctx.sessions[file];
  if (!session) throw new Error(`no session ${file}: config.json "files" must list it`);
  const input = session.inputs[0].name;
  return ctx.infer(file, { [input]: { name: input, datatype: 'FP32', shape, data } });
}

/** A session's first output, which must be FP32 (its name, too, comes from the loaded session). */
export async function runSession(
  ctx: OcrContext,
  file: string,
  data: Float32Array,
  shape: number[],
): Promise<{ data: Float32Array; shape: number[] }> {
  const out = await inferFp32(ctx, file, data, shape);
  const tensor = out[ctx.sessions[file].outputs[0].name];
  if (!tensor || !(tensor.data instanceof Float32Array)) throw new Error(`${file} returned no FP32 output`);
  return { data: tensor.data, shape: tensor.shape };
}
