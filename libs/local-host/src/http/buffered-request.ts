import { Blob } from 'node:buffer';
import { ReadableStream } from 'node:stream/web';
import { RequestHeaders } from './request-headers.js';

/**
 * The part of fetch's `Request` that `@azure/functions`' HttpRequest reads, over a body already in memory.
 *
 * HttpRequest wraps a native `Request`; building an undici Request (abort signal, body stream, header
 * validation) costs more than the whole rest of a cached scoring request and cut throughput to a quarter.
 * The Functions worker itself hands HttpRequest a ready-made native request when it streams
 * (`nativeRequest`); the local host does the same with this object, so handlers still get a real
 * HttpRequest, with fetch's semantics for a body that can be read once.
 */
export class BufferedRequest {
  private consumed = false;
  private stream: ReadableStream<Uint8Array> | null | undefined;
  private headerObject: Headers | undefined;

  constructor(
    readonly url: string,
    readonly method: string,
    private readonly rawHeaders: Record<string, string>,
    private readonly bytes: Buffer | undefined,
  ) {}

  get headers(): Headers {
    this.headerObject ??= new RequestHeaders(this.rawHeaders);
    return this.headerObject;
  }

  get bodyUsed(): boolean {
    return this.consumed;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === undefined) {
      const bytes = this.bytes;
      this.stream = bytes
        ? new ReadableStream<Uint8Array>({
            pull: (controller) => {
              this.consumed = true;
              controller.enqueue(new Uint8Array(bytes));
              controller.close();
            },
          })
        : null;
    }
    return this.stream;
  }

  private take(): Buffer {
    if (this.consumed || this.stream?.locked)
      throw new TypeError('Body is unusable: Body has already been read');
    this.consumed = true;
    return this.bytes ?? Buffer.alloc(0);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take();
    // A fresh ArrayBuffer of exactly the body, as fetch returns (the Buffer may be a slice of a larger pool).
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return this.take().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([this.take()], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    // Rare enough to take the slow, exact path: fetch's own multipart and urlencoded parsers.
    const b = this.take();
    return new Request(this.url, { method: this.method, headers: [...this.headers], body: b }).formData();
  }

  clone(): BufferedRequest {
    if (this.consumed) throw new TypeError('Body is unusable: Body has already been read');
    return new BufferedRequest(this.url, this.method, { ...this.rawHeaders }, this.bytes);
  }
}
