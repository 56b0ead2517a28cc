import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import type { InputStore } from '../cache/index.js';
import type { ImageGeometry } from './image-geometry.js';
import type { InputLimits } from './limits.js';
import type { V2RequestMeta } from './v2-request.js';

/** What a codec is given: the model the body is for, the limits, and where referenced inputs live. */
export interface DecodeContext {
  model: ReadyModel;
  limits: InputLimits;
  store: InputStore;
  /** A v2 body with the binary tensor extension: the length of its JSON header (the rest is tensors). */
  headerLength?: number;
}

/** A body as the model's inputs. */
export interface Decoded {
  inputs: Tensor[];
  rows: number;
  /** The inputs came from a Redis key named in the body, not from the body itself. */
  byReference?: boolean;
  /**
   * The sent images' geometry, one per row, when the rows were decoded from images (an image body, a v2
   * BYTES image input): what post-processing maps model-input pixels back to the sent image with.
   */
  images?: ImageGeometry[];
  /** Set for a v2 inference request: its id, parameters and the outputs it asks for. */
  v2?: V2RequestMeta;
}

/** Turns one kind of body (one media type) into inputs. */
export type BodyCodec = (body: Buffer, ctx: DecodeContext) => Promise<Decoded> | Decoded;

/**
 * A codec as the registry keeps it. A structured syntax (JSON) also says what its bytes are as a value
 * (an entry script's `request.json()`) and reads a value a host already parsed (a Service Bus message),
 * so that no route parses on its own.
 */
export interface Codec {
  decode: BodyCodec;
  parse?: (body: Buffer) => unknown;
  decodeValue?: (value: unknown, ctx: DecodeContext) => Promise<Decoded> | Decoded;
}
