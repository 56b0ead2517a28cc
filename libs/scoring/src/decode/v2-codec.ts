import type { BodyCodec } from './decoded.js';
import { decodeObject } from './json-codec.js';
import { decodeV2Body, v2Inputs } from './v2-request.js';

/**
 * The media type the Open Inference Protocol's `POST .../infer` bodies are registered under: v2 requests
 * decode through the registry like any other body, and a body sent with this type to `/score` is one too.
 */
export const V2_MEDIA_TYPE = 'application/vnd.open-inference.v2+json';

/** A v2 inference request: JSON, or JSON then binary tensors (`ctx.headerLength`, the binary extension). */
export const v2Codec: BodyCodec = async (body, ctx) => {
  const v2 = decodeV2Body(body, ctx.headerLength, ctx.model, ctx.limits);
  if (v2.dataKey) return { ...(await decodeObject({ data_key: v2.dataKey }, ctx)), v2: v2.meta };
  return { ...(await v2Inputs(ctx.model, v2, ctx.limits)), v2: v2.meta };
};
