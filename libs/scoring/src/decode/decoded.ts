import type { ReadyModel } from '../model/model-version.js';
import type { Tensor } from '../tensor/tensor.js';
import type { InputStore } from './input-store.js';
import type { InputLimits } from './limits.js';
import type { V2RequestMeta } from './v2-request.js';

/** What a codec is given: the model the body is for, the limits, and where referenced inputs live. */
export interface DecodeContext {
  model: ReadyModel;
  limits: InputLimits;
  store: InputStore;
}

/** A body as the model's inputs. */
export interface Decoded {
  inputs: Tensor[];
  rows: number;
  /** The inputs came from a Redis key named in the body, not from the body itself. */
  byReference?: boolean;
  /** Set for a v2 inference request: its id, parameters and the outputs it asks for. */
  v2?: V2RequestMeta;
}

/** Turns one kind of body (one media type) into inputs. */
export type BodyCodec = (body: Buffer, ctx: DecodeContext) => Promise<Decoded> | Decoded;
