import { ScoringError } from '../errors.js';
import { CodecRegistry } from './codec-registry.js';
import type { BodyCodec } from './decoded.js';
import { imageCodec } from './image-codec.js';
import { IMAGE_MEDIA_TYPES } from './image-format.js';
import { jsonCodec } from './json-codec.js';
import { rawTensorCodec } from './raw-tensor-codec.js';
import { V2_MEDIA_TYPE, v2Codec } from './v2-codec.js';

const PNG = [0x89, 0x50, 0x4e, 0x47];
const JPEG = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** curl's `-d` sends text/plain: a body that starts like a JSON object is taken as JSON. */
const plainText: BodyCodec = (body, ctx) => {
  if (body[0] === 0x7b) return jsonCodec.decode(body, ctx);
  throw new ScoringError(
    'UNSUPPORTED_MEDIA_TYPE',
    'a text/plain body is accepted only when it is a JSON object; send application/json',
  );
};

/**
 * The bodies every trigger accepts (Azure ML's AMLRequest: JSON, an image, or raw bytes), and v2 requests. Each image type
 * decodes only its own format; image/svg+xml only for a model whose config opts in (an SVG is a program for
 * a renderer, not pixels). Images sent as octet-stream, or as a blob or message without a type, are
 * recognised by their first bytes.
 */
export function defaultCodecs(): CodecRegistry {
  const registry = new CodecRegistry()
    .add('application/json', jsonCodec)
    .add('+json', jsonCodec)
    .add('text/plain', plainText)
    .add(V2_MEDIA_TYPE, v2Codec);
  for (const [type, format] of Object.entries(IMAGE_MEDIA_TYPES)) registry.add(type, imageCodec(format));
  return registry
    .add('application/octet-stream', rawTensorCodec)
    .addSniffer('image/png', (b) => startsWith(b, PNG))
    .addSniffer('image/jpeg', (b) => startsWith(b, JPEG));
}
