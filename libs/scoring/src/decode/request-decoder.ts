import type { ReadyModel } from '../model/model-version.js';
import { ATTR, modelAttributes, traced } from '../tracing.js';
import type { CodecRegistry } from './codec-registry.js';
import type { DecodeContext, Decoded } from './decoded.js';
import type { InputStore } from './input-store.js';
import { decodeObject } from './json-codec.js';
import type { InputLimits } from './limits.js';
import { decodeV2Body } from './v2-request.js';

/**
 * A request's payload as a model's inputs, in a `modelfn.decode` span. No guard runs here: the scorer
 * checked the size and waited for the model once, before choosing the route.
 */
export class RequestDecoder {
  constructor(
    private readonly codecs: CodecRegistry,
    private readonly limits: InputLimits,
    private readonly store: InputStore,
  ) {}

  /** Bytes with a media type (JSON, an image, raw tensor bytes, or what a registered codec reads). */
  body(model: ReadyModel, body: Buffer, contentType: string | undefined): Promise<Decoded> {
    const codec = this.codecs.codecFor(body, contentType);
    return this.traced(model, (ctx) => codec(body, ctx));
  }

  /** JSON already parsed: Azure ML rows, `data_key` or v2 `inputs`. */
  object(model: ReadyModel, value: unknown): Promise<Decoded> {
    return this.traced(model, (ctx) => decodeObject(value, ctx));
  }

  /** An Open Inference Protocol v2 body, JSON or with the binary tensor extension. */
  v2(model: ReadyModel, body: Buffer, headerLength: number | undefined): Promise<Decoded> {
    return this.traced(model, async (ctx) => {
      const v2 = decodeV2Body(body, headerLength, model, this.limits);
      const decoded = v2.dataKey
        ? await decodeObject({ data_key: v2.dataKey }, ctx)
        : { inputs: v2.inputs!, rows: v2.rows! };
      return { ...decoded, v2: v2.meta };
    });
  }

  private traced(model: ReadyModel, decode: (ctx: DecodeContext) => Promise<Decoded> | Decoded) {
    const ctx: DecodeContext = { model, limits: this.limits, store: this.store };
    return traced('modelfn.decode', modelAttributes(model), async (span) => {
      const decoded = await decode(ctx);
      span.setAttribute(ATTR.rows, decoded.rows);
      return decoded;
    });
  }
}
