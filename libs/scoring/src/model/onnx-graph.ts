/**
 * Rewrites a classifier's ZipMap outputs into the probability tensors they wrap, because onnxruntime-node
 * cannot fetch a seq(map) ("Non tensor type is temporarily not supported") and skl2onnx emits one by
 * default. Works on the model bytes only; the file on disk is never touched.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { mayHaveZipMap } from './zipmap-probe.js';

// onnx-proto is CommonJS whose exports are assigned at run time, so only the default import works in ESM.
const { onnx } = onnxProto;

export interface ZipMapOutput {
  /** The graph output that was a seq(map) and is now a float tensor [batch, labels.length]. */
  output: string;
  /** Column order of that tensor: the ZipMap's classlabels_int64s or classlabels_strings. */
  labels: number[] | string[];
}

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const LENGTH_DELIMITED = 2;

/**
 * Replaces every ZipMap whose output is a graph output (and feeds no other node) by an Identity of its
 * float input, and retypes that output as tensor(float) [batch, C]. Returns undefined when there is no
 * such ZipMap, so the caller loads its original bytes; when the bytes never mention ZipMap, having
 * decoded nothing.
 *
 * Only the rewritten nodes and outputs are re-encoded; every other byte is spliced through unchanged,
 * because onnx-proto knows onnx 1.10's schema and a full decode/encode would silently drop any field
 * added since.
 */
export function exposeZipMapOutputs(
  bytes: Uint8Array,
): { bytes: Uint8Array; zipmaps: ZipMapOutput[] } | undefined {
  if (!mayHaveZipMap(bytes)) return undefined;
  const graphs = [...fields(bytes, 0, bytes.length)].filter((f) => f.no === MODEL_GRAPH);
  // Protobuf would merge repeated copies of a message field; no ONNX writer produces that.
  if (graphs.length !== 1) throw new Error(`expected one graph in the ONNX model, found ${graphs.length}`);
  const graph = graphs[0];
  const graphFields = [...fields(bytes, graph.bodyStart, graph.end)];

  const nodes = graphFields
    .filter((f) => f.no === GRAPH_NODE)
    .map((field) => ({ field, node: onnx.NodeProto.decode(body(bytes, field)) }));
  const values = graphFields
    .filter((f) => f.no === GRAPH_INPUT || f.no === GRAPH_OUTPUT || f.no === GRAPH_VALUE_INFO)
    .map((field) => ({ field, info: onnx.ValueInfoProto.decode(body(bytes, field)) }));
  const outputs = values.filter((v) => v.field.no === GRAPH_OUTPUT);
  const consumed = new Set(nodes.flatMap((n) => n.node.input));

  const replacements = new Map<Field, Uint8Array>();
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
    replacements.set(field, onnx.NodeProto.encode(identity).finish());
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
    replacements.set(output.field, onnx.ValueInfoProto.encode(retyped).finish());
    zipmaps.push({ output: name, labels });
  }
  if (zipmaps.length === 0) return undefined;

  const graphParts = graphFields.flatMap((f) => {
    const replaced = replacements.get(f);
    return replaced ? [fieldHeader(f.no, replaced.length), replaced] : [bytes.subarray(f.start, f.end)];
  });
  const graphLength = graphParts.reduce((n, p) => n + p.length, 0);
  const parts = [
    bytes.subarray(0, graph.start),
    fieldHeader(MODEL_GRAPH, graphLength),
    ...graphParts,
    bytes.subarray(graph.end),
  ];
  if (!importsDefaultDomain(bytes)) {
    // A graph of ai.onnx.ml ops only may import no default-domain opset, which the Identity needs.
    // Identity copies a float tensor the same way in every opset; 13 is one every onnxruntime supports.
    const opset = onnx.OperatorSetIdProto.encode({ domain: '', version: 13 }).finish();
    parts.push(fieldHeader(MODEL_OPSET_IMPORT, opset.length), opset);
  }
  return { bytes: concat(parts), zipmaps };
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

function importsDefaultDomain(bytes: Uint8Array): boolean {
  return [...fields(bytes, 0, bytes.length)]
    .filter((f) => f.no === MODEL_OPSET_IMPORT)
    .some((f) => !onnx.OperatorSetIdProto.decode(body(bytes, f)).domain);
}

/** One field of a protobuf message: [start, end) spans tag to end; bodyStart is where its payload starts. */
interface Field {
  no: number;
  start: number;
  bodyStart: number;
  end: number;
}

function* fields(buf: Uint8Array, from: number, to: number): Generator<Field> {
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const wire = tag % 8;
    let bodyStart = afterTag;
    if (wire === 0) pos = readVarint(buf, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else if (wire === LENGTH_DELIMITED) {
      const [length, afterLength] = readVarint(buf, afterTag);
      bodyStart = afterLength;
      pos = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wire} in the ONNX model`);
    if (pos > to) throw new Error('truncated ONNX model');
    yield { no: Math.floor(tag / 8), start, bodyStart, end: pos };
  }
}

function body(buf: Uint8Array, field: Field): Uint8Array {
  return buf.subarray(field.bodyStart, field.end);
}

// Arithmetic rather than bit operations: a model's graph field can pass 2^31 bytes.
function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated ONNX model');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) + 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** One copy of the model, into the plain Uint8Array the signature promises (not a Buffer). */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function fieldHeader(no: number, length: number): Uint8Array {
  return Uint8Array.from([...varint(no * 8 + LENGTH_DELIMITED), ...varint(length)]);
}
