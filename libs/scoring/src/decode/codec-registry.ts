import { ScoringError } from '../errors.js';
import type { BodyCodec, Codec, DecodeContext, Decoded } from './decoded.js';

/** The type whose codec reads values already parsed and parses bytes for entry scripts. */
export const JSON_MEDIA_TYPE = 'application/json';

/** `type/subtype` of a Content-Type header, lower case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Codecs by media type, looked up as fastify's content-type parser does: the exact type, then a structured
 * syntax suffix (`+json`), then a wildcard (`image/*`). A body with no type, or an octet-stream, may be
 * recognised by its first bytes (`sniff`).
 */
export class CodecRegistry {
  private readonly exact = new Map<string, Codec>();
  private readonly suffixes = new Map<string, Codec>();
  private readonly wildcards = new Map<string, Codec>();
  private readonly sniffers: { sniff: (body: Buffer) => boolean; type: string }[] = [];

  /** `mediaType`: `application/json`, `+json` (any type with that suffix) or `image/*`. */
  add(mediaType: string, codec: Codec | BodyCodec): this {
    codec = typeof codec === 'function' ? { decode: codec } : codec;
    if (mediaType.startsWith('+')) this.suffixes.set(mediaType, codec);
    else if (mediaType.endsWith('/*')) this.wildcards.set(mediaType.slice(0, -1), codec);
    else this.exact.set(mediaType, codec);
    return this;
  }

  /** Bodies sent without a type, or as octet-stream, whose first bytes say `type`. */
  addSniffer(type: string, sniff: (body: Buffer) => boolean): this {
    this.sniffers.push({ type, sniff });
    return this;
  }

  /** The media type a body is taken as: its declared type, or what its bytes show for untyped bodies. */
  effectiveType(body: Buffer, contentType: string | undefined): string {
    const type = mediaTypeOf(contentType);
    if (type === '' || type === 'application/octet-stream') {
      const sniffed = this.sniffers.find((s) => s.sniff(body));
      if (sniffed) return sniffed.type;
      return 'application/octet-stream';
    }
    return type;
  }

  /** True for a body taken as JSON: `application/json`, or any type with the `+json` suffix. */
  isJson(body: Buffer, contentType: string | undefined): boolean {
    const type = this.effectiveType(body, contentType);
    return type === 'application/json' || type.endsWith('+json');
  }

  find(type: string): Codec | undefined {
    const exact = this.exact.get(type);
    if (exact) return exact;
    const plus = type.lastIndexOf('+');
    if (plus >= 0) {
      const bySuffix = this.suffixes.get(type.slice(plus));
      if (bySuffix) return bySuffix;
    }
    return this.wildcards.get(type.slice(0, type.indexOf('/') + 1));
  }

  codecFor(body: Buffer, contentType: string | undefined): Codec {
    const type = this.effectiveType(body, contentType);
    const codec = this.find(type);
    if (!codec) {
      throw new ScoringError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content type "${type}" is not accepted; use ${this.accepted().join(', ')}`,
      );
    }
    return codec;
  }

  /** The JSON codec's value side: JSON a host already parsed, as a model's inputs. */
  decodeValue(value: unknown, ctx: DecodeContext): Promise<Decoded> | Decoded {
    const codec = this.find(JSON_MEDIA_TYPE);
    if (!codec?.decodeValue)
      throw new ScoringError('UNSUPPORTED_MEDIA_TYPE', `the ${JSON_MEDIA_TYPE} codec reads no parsed JSON`);
    return codec.decodeValue(value, ctx);
  }

  /** Bytes as the JSON codec reads them into a value (an entry script's `request.json()`). */
  parseJson(body: Buffer): unknown {
    const codec = this.find(JSON_MEDIA_TYPE);
    if (!codec?.parse)
      throw new ScoringError('UNSUPPORTED_MEDIA_TYPE', `the ${JSON_MEDIA_TYPE} codec parses no bytes`);
    return codec.parse(body);
  }

  accepted(): string[] {
    return [
      ...this.exact.keys(),
      ...[...this.wildcards.keys()].map((w) => `${w}*`),
      ...[...this.suffixes.keys()].map((s) => `*/*${s}`),
    ];
  }
}
