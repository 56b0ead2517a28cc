import type { CodecRegistry } from './codec-registry.js';
import type { BodyCodec, Codec } from './decoded.js';
import { defaultCodecs } from './default-codecs.js';

/** The codecs every scorer of the process decodes with: the defaults, and those a user registered. */
export const codecs: CodecRegistry = defaultCodecs();

/**
 * Decodes bodies of `mediaType` with `codec` from now on, for every trigger (`/score`, blobs, messages):
 * `application/x-foo` exactly, `+foo` for every type with that structured-syntax suffix, or `image/*`. It
 * replaces the codec registered for the same key, defaults included. A function is a codec of bytes only;
 * a `Codec` registered for `application/json` also reads the JSON hosts parse and entry scripts' `json()`.
 */
export function registerCodec(mediaType: string, codec: Codec | BodyCodec): void {
  codecs.add(mediaType.trim().toLowerCase(), codec);
}
