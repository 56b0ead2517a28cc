import type { ReadyModel } from '../model/model-version.js';
import { ATTR, modelAttributes, traced } from '../tracing.js';
import type { CodecRegistry } from './codec-registry.js';
import type { DecodeContext, Decoded } from './decoded.js';
import type { InputStore } from '../cache/index.js';
import type { InputLimits } from './limits.js';
import { V2_MEDIA_TYPE } from './v2-codec.js';

/**
 * A request's payload as a model's inputs, in a `modelfn.decode` span, by the codec registered for it:
 * bytes by their media type, parsed JSON by the JSON codec, a v2 body by the v2 codec. No guard runs here:
 * the scorer checked the size and waited for the model once, before choosing the route.
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
    return this.traced(model, (ctx) => codec.decode(body, ctx));
  }

  /** JSON already parsed: Azure ML rows, `data_key` or v2 `inputs`. */
  object(model: ReadyModel, value: unknown): Promise<Decoded> {
    return this.traced(model, (ctx) => this.codecs.decodeValue(value, ctx));
  }

  /** An Open Inference Protocol v2 body, JSON or with the binary tensor extension. */
  v2(model: ReadyModel, body: Buffer, headerLength: number | undefined): Promise<Decoded> {
    const codec = this.codecs.codecFor(body, V2_MEDIA_TYPE);
    return this.traced(model, (ctx) => codec.decode(body, ctx), headerLength);
  }

  private traced(
    model: ReadyModel,
    decode: (ctx: DecodeContext) => Promise<Decoded> | Decoded,
    headerLength?: number,
  ) {
    const ctx: DecodeContext = { model, limits: this.limits, store: this.store, headerLength };
    return traced('modelfn.decode', modelAttributes(model), async (span) => {
      const decoded = await decode(ctx);
      span.setAttribute(ATTR.rows, decoded.rows);
      return decoded;
    });
  }
}
