import {
  ScoringError,
  tensorToBinary,
  tensorToJson,
  topClasses,
  type InferenceResult,
  type Tensor,
  type V2RequestedOutput,
  type V2RequestMeta,
} from '@modelfn/scoring';

// Open Inference Protocol v2 response encoding, with the binary tensor data and classification extensions.

interface V2OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size: number };
}

export interface EncodedV2Response {
  body: Buffer;
  contentType: string;
  /** Set when binary outputs follow the JSON: the value of Inference-Header-Content-Length. */
  headerLength?: number;
}

/**
 * Triton's classification extension: the top `k` classes of each row as "score:index[:label]" strings,
 * a BYTES tensor of shape [N, k] (or [k] for a model without a batch dimension).
 */
function classification(result: InferenceResult, t: Tensor, k: number): Tensor {
  if (t.datatype === 'BYTES' || t.datatype === 'BOOL') {
    throw new ScoringError(
      'INVALID_INPUT',
      `output "${t.name}" is ${t.datatype}; classification needs scores`,
    );
  }
  const c = result.model.classification;
  const labels =
    c?.scores !== undefined && result.model.outputs[c.scores].name === t.name ? c.labels : undefined;
  const rows = topClasses(t, result.rows, k, labels);
  const data = rows.flatMap((row) =>
    row.map(({ index, probability }) => `${probability}:${index}${labels ? `:${labels[index]}` : ''}`),
  );
  const width = rows[0]?.length ?? 0;
  return {
    name: t.name,
    datatype: 'BYTES',
    shape: result.model.batched ? [result.rows, width] : [width],
    data,
  };
}

/** The response to a v2 `infer`: the asked outputs (all by default), JSON or binary per output. */
export function encodeV2Response(result: InferenceResult, request: V2RequestMeta): EncodedV2Response {
  const wanted: V2RequestedOutput[] = request.outputs ?? result.outputs.map((t) => ({ name: t.name }));
  const tensors: V2OutputTensor[] = [];
  const binaries: Buffer[] = [];
  for (const w of wanted) {
    let t = result.outputs.find((o) => o.name === w.name)!;
    const k = w.classification ?? (request.parameters?.classification as number | undefined);
    if (k !== undefined && Number.isInteger(k) && k > 0) t = classification(result, t, k);
    const out: V2OutputTensor = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (w.binary ?? request.binaryByDefault) {
      const bytes = tensorToBinary(t);
      out.parameters = { binary_data_size: bytes.length };
      binaries.push(bytes);
    } else {
      out.data = tensorToJson(t);
    }
    tensors.push(out);
  }
  const response = {
    model_name: result.model.name,
    model_version: result.model.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: tensors,
  };
  const header = Buffer.from(JSON.stringify(response));
  if (binaries.length === 0) return { body: header, contentType: 'application/json' };
  return {
    body: Buffer.concat([header, ...binaries]),
    contentType: 'application/octet-stream',
    headerLength: header.length,
  };
}
