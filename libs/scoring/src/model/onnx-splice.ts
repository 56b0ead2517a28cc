/**
 * Edits of an ONNX model's bytes that re-encode only what they change: every other byte is spliced
 * through unchanged, because onnx-proto knows onnx 1.10's schema and a full decode/encode would silently
 * drop any field added since. Shared by the graph rewrites (onnx-graph.ts, top-k-graph.ts).
 */
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS whose exports are assigned at run time, so only the default import works in ESM.
const { onnx } = onnxProto;

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
export const GRAPH_NODE = 1;
export const GRAPH_INITIALIZER = 5;
export const GRAPH_INPUT = 11;
export const GRAPH_OUTPUT = 12;
export const GRAPH_VALUE_INFO = 13;
const LENGTH_DELIMITED = 2;

/** One field of a protobuf message: [start, end) spans tag to end; bodyStart is where its payload starts. */
export interface Field {
  no: number;
  start: number;
  bodyStart: number;
  end: number;
}

/** The model's one graph field and the graph's own fields. */
export function graphOf(bytes: Uint8Array): { graph: Field; graphFields: Field[] } {
  const graphs = [...fields(bytes, 0, bytes.length)].filter((f) => f.no === MODEL_GRAPH);
  // Protobuf would merge repeated copies of a message field; no ONNX writer produces that.
  if (graphs.length !== 1) throw new Error(`expected one graph in the ONNX model, found ${graphs.length}`);
  const graph = graphs[0];
  return { graph, graphFields: [...fields(bytes, graph.bodyStart, graph.end)] };
}

/** The version of the default ("ai.onnx") opset the model imports, if it imports one. */
export function defaultOpset(bytes: Uint8Array): number | undefined {
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.no !== MODEL_OPSET_IMPORT) continue;
    const id = onnx.OperatorSetIdProto.decode(body(bytes, f));
    if (!id.domain) return Number(String(id.version));
  }
  return undefined;
}

/**
 * The model with some of `parsed`'s graph fields replaced (by any number of encoded fields, none to drop
 * one) and new graph fields appended, and with `extraOpset` imported when given. Repeated fields keep
 * their order of appearance, so an appended node runs after every node already there.
 */
export function spliceGraph(
  bytes: Uint8Array,
  parsed: { graph: Field; graphFields: Field[] },
  edit: {
    replace?: Map<Field, Uint8Array[]>;
    append?: Uint8Array[];
    extraOpset?: Uint8Array;
  },
): Uint8Array {
  const { graph, graphFields } = parsed;
  const graphParts = [
    ...graphFields.flatMap((f) => edit.replace?.get(f) ?? [bytes.subarray(f.start, f.end)]),
    ...(edit.append ?? []),
  ];
  const graphLength = graphParts.reduce((n, p) => n + p.length, 0);
  const parts = [
    bytes.subarray(0, graph.start),
    fieldHeader(MODEL_GRAPH, graphLength),
    ...graphParts,
    bytes.subarray(graph.end),
  ];
  if (edit.extraOpset) parts.push(encodedField(MODEL_OPSET_IMPORT, edit.extraOpset));
  return concat(parts);
}

/** A length-delimited field: its header, then the message's bytes. */
export function encodedField(no: number, message: Uint8Array): Uint8Array {
  return concat([fieldHeader(no, message.length), message]);
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

export function body(buf: Uint8Array, field: Field): Uint8Array {
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
