/**
 * Rewrites a classifier's ZipMap outputs into the probability tensors they wrap, because onnxruntime-node
 * cannot fetch a seq(map) ("Non tensor type is temporarily not supported") and skl2onnx emits one by
 * default. Works on the model bytes only; the file on disk is never touched.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import {
  body,
  defaultOpset,
  encodedField,
  GRAPH_INPUT,
  GRAPH_NODE,
  GRAPH_OUTPUT,
  GRAPH_VALUE_INFO,
  graphOf,
  spliceGraph,
  type Field,
} from './onnx-splice.js';
import { mayHaveZipMap } from './zipmap-probe.js';

// onnx-proto is CommonJS whose exports are assigned at run time, so only the default import works in ESM.
const { onnx } = onnxProto;

export interface ZipMapOutput {
  /** The graph output that was a seq(map) and is now a float tensor [batch, labels.length]. */
  output: string;
  /** Column order of that tensor: the ZipMap's classlabels_int64s or classlabels_strings. */
  labels: number[] | string[];
}

/**
 * Replaces every ZipMap whose output is a graph output (and feeds no other node) by an Identity of its
 * float input, and retypes that output as tensor(float) [batch, C]. Returns undefined when there is no
 * such ZipMap, so the caller loads its original bytes; when the bytes never mention ZipMap, having
 * decoded nothing.
 *
 * Only the rewritten nodes and outputs are re-encoded (onnx-splice.ts).
 */
export function exposeZipMapOutputs(
  bytes: Uint8Array,
): { bytes: Uint8Array; zipmaps: ZipMapOutput[] } | undefined {
  if (!mayHaveZipMap(bytes)) return undefined;
  const parsed = graphOf(bytes);
  const { graphFields } = parsed;

  const nodes = graphFields
    .filter((f) => f.no === GRAPH_NODE)
    .map((field) => ({ field, node: onnx.NodeProto.decode(body(bytes, field)) }));
  const values = graphFields
    .filter((f) => f.no === GRAPH_INPUT || f.no === GRAPH_OUTPUT || f.no === GRAPH_VALUE_INFO)
    .map((field) => ({ field, info: onnx.ValueInfoProto.decode(body(bytes, field)) }));
  const outputs = values.filter((v) => v.field.no === GRAPH_OUTPUT);
  const consumed = new Set(nodes.flatMap((n) => n.node.input));

  const replacements = new Map<Field, Uint8Array[]>();
  const zipmaps: ZipMapOutput[] = [];
  for (const { field, node } of nodes) {
    if (node.opType !== 'ZipMap' || node.domain !== 'ai.onnx.ml') continue;
    const [name] = node.output;
    const output = outputs.find((o) => o.info.name === name);
    const labels = classLabels(node);
    if (!output || consumed.has(name) || !labels) continue;
    const identity = onnx.NodeProto.create({
      name: node.name,
      opType: 'Identity',
      domain: '',
      input: [node.input[0]],
      output: [name],
    });
    replacements.set(field, [encodedField(GRAPH_NODE, onnx.NodeProto.encode(identity).finish())]);
    const batch = values.find((v) => v.info.name === node.input[0])?.info.type?.tensorType?.shape?.dim?.[0];
    const retyped = onnx.ValueInfoProto.create({
      name,
      docString: output.info.docString,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [batchDim(batch), { dimValue: labels.length }] },
        },
      },
    });
    replacements.set(output.field, [
      encodedField(GRAPH_OUTPUT, onnx.ValueInfoProto.encode(retyped).finish()),
    ]);
    zipmaps.push({ output: name, labels });
  }
  if (zipmaps.length === 0) return undefined;

  // A graph of ai.onnx.ml ops only may import no default-domain opset, which the Identity needs.
  // Identity copies a float tensor the same way in every opset; 13 is one every onnxruntime supports.
  const extraOpset =
    defaultOpset(bytes) === undefined
      ? onnx.OperatorSetIdProto.encode({ domain: '', version: 13 }).finish()
      : undefined;
  return { bytes: spliceGraph(bytes, parsed, { replace: replacements, extraOpset }), zipmaps };
}

function classLabels(node: Onnx.NodeProto): number[] | string[] | undefined {
  const ints = node.attribute.find((a) => a.name === 'classlabels_int64s');
  // Decoded int64s are Long objects; String() reads both them and plain numbers.
  if (ints?.ints?.length) return ints.ints.map((v) => Number(String(v)));
  const strings = node.attribute.find((a) => a.name === 'classlabels_strings');
  if (strings?.strings?.length) {
    const utf8 = new TextDecoder();
    return strings.strings.map((s) => utf8.decode(s));
  }
  return undefined;
}

/** Keeps the ZipMap input's batch dimension (fixed or symbolic) when the graph declares it. */
function batchDim(dim: Onnx.TensorShapeProto.IDimension | undefined): Onnx.TensorShapeProto.IDimension {
  if (dim?.dimParam) return { dimParam: dim.dimParam };
  if (dim?.dimValue != null && Number(String(dim.dimValue)) > 0) return { dimValue: dim.dimValue };
  return {};
}
