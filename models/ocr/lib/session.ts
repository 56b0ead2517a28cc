import type { EntryContext } from '@modelfn/scoring/entry';

/** What the pipeline needs of the host: its sessions (by ONNX file name), infer, and the result cache. */
export type OcrContext = Pick<EntryContext, 'infer' | 'sessions' | 'cache'>;

/**
 * One FP32 input through `context.infer`, so the host's per-row cache, single flight and batching apply;
 * the input and output names come from the loaded session rather than being assumed ('x' and
 * 'softmax_11.tmp_0' today, but a re-exported graph may rename them).
 */
export async function runSession(
  ctx: OcrContext,
  file: string,
  data: Float32Array,
  shape: number[],
): Promise<{ data: Float32Array; shape: number[] }> {
  const session = ctx.sessions[file];
  if (!session) throw new Error(`no session ${file}: config.json "files" must list it`);
  const input = session.inputs[0].name;
  const out = await ctx.infer(file, { [input]: { name: input, datatype: 'FP32', shape, data } });
  const tensor = out[session.outputs[0].name];
  if (!tensor || !(tensor.data instanceof Float32Array)) throw new Error(`${file} returned no FP32 output`);
  return { data: tensor.data, shape: tensor.shape };
}
