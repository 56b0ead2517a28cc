import { fromTritonType, tritonType } from '../tensor/datatype.js';
import { configError, type ModelConfig, type PartialModelConfig, type TensorConfig } from './model-config.js';
import type { ModelSignature, TensorSignature } from './signature.js';

/** max_batch_size given to a model whose every input and output starts with a dynamic dimension. */
export const AUTO_MAX_BATCH_SIZE = 256;

export interface AutoCompleteInput {
  name: string;
  /** config.json, when the folder has one (already checked by parseConfigFile). */
  file: PartialModelConfig | undefined;
  signature: ModelSignature;
}

function batchable(sig: ModelSignature): boolean {
  const all = [...sig.inputs, ...sig.outputs];
  return all.length > 0 && all.every((t) => t.shape.length > 0 && t.shape[0] === -1);
}

/** A config dimension list over the model's: the file may fix a dynamic dim, never change a fixed one. */
function mergeDims(
  model: string,
  where: string,
  fromModel: number[],
  fromFile: number[] | undefined,
): number[] {
  if (fromFile === undefined) return fromModel;
  if (fromFile.length !== fromModel.length) {
    configError(
      model,
      `${where} dims [${fromFile}] have ${fromFile.length} dimensions; the model's have ${fromModel.length} ([${fromModel}], batch dimension excluded when max_batch_size > 0)`,
    );
  }
  return fromModel.map((d, i) => {
    const f = fromFile[i];
    if (d === -1 || f === -1) return d === -1 ? f : d;
    if (f !== d)
      configError(
        model,
        `${where} dims [${fromFile}] differ from the model's [${fromModel}] at position ${i}`,
      );
    return d;
  });
}

function mergeTensors(
  model: string,
  kind: 'input' | 'output',
  signature: TensorSignature[],
  file: Partial<TensorConfig>[] | undefined,
  batched: boolean,
): TensorConfig[] {
  const byName = new Map((file ?? []).map((t) => [t.name!, t]));
  for (const name of byName.keys()) {
    if (!signature.some((s) => s.name === name)) {
      configError(
        model,
        `${kind} "${name}" is not an ${kind} of the model; its ${kind}s are ${signature.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
  }
  return signature.map((s) => {
    const f = byName.get(s.name);
    const type = tritonType(s.datatype);
    if (f?.data_type !== undefined && f.data_type !== type) {
      const known = fromTritonType(f.data_type) ? '' : ' (not a Triton type name)';
      configError(
        model,
        `${kind} "${s.name}" data_type ${f.data_type}${known} differs from the model's ${type}`,
      );
    }
    if (batched && (s.shape.length === 0 || s.shape[0] !== -1)) {
      configError(
        model,
        `max_batch_size > 0 needs dim 0 of ${kind} "${s.name}" to be dynamic (the batch); the model's shape is [${s.shape}]. Set "max_batch_size": 0 to serve it without a batch dimension`,
      );
    }
    const dims = mergeDims(model, `${kind} "${s.name}"`, batched ? s.shape.slice(1) : s.shape, f?.dims);
    return { ...f, name: s.name, data_type: type, dims };
  });
}

/**
 * The effective configuration (Triton's auto-complete): names, datatypes and shapes from the ONNX
 * signature, every field config.json sets taking precedence where it agrees with the model, and a batch
 * dimension assumed when every input and output starts with a dynamic one.
 */
export function autoComplete({ name, file, signature }: AutoCompleteInput): ModelConfig {
  const maxBatch = file?.max_batch_size ?? (batchable(signature) ? AUTO_MAX_BATCH_SIZE : 0);
  const batched = maxBatch > 0;
  if (signature.outputs.length === 0) {
    configError(
      name,
      `cannot be served: no output of the model is a tensor onnxruntime-node can return (${signature.unsupported.join(', ')})`,
    );
  }
  const { input: _i, output: _o, outputs: _e, ...rest } = file ?? {};
  const output = mergeTensors(name, 'output', signature.outputs, file?.output, batched);
  const exposed = exposedOutputs(name, output, file?.outputs);
  return {
    ...rest,
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: maxBatch,
    input: mergeTensors(name, 'input', signature.inputs, file?.input, batched),
    output: exposed ? output.filter((o) => exposed.includes(o.name)) : output,
    ...(exposed ? { outputs: exposed } : {}),
  } as ModelConfig;
}

/**
 * config.json's `outputs`, checked against the graph's; undefined when it names every output (the model
 * then is the same as without it, and so are its cache keys).
 */
function exposedOutputs(
  model: string,
  output: TensorConfig[],
  listed: string[] | undefined,
): string[] | undefined {
  if (listed === undefined) return undefined;
  for (const name of listed) {
    if (!output.some((o) => o.name === name))
      configError(
        model,
        `"outputs" names "${name}", which is not an output of the model; its outputs are ${output.map((o) => `"${o.name}"`).join(', ')}`,
      );
  }
  return listed.length === output.length
    ? undefined
    : output.map((o) => o.name).filter((n) => listed.includes(n));
}
