import type { Blob } from 'node:buffer';
import azf from '@azure/functions';
import type { HttpRequest, HttpRequestParams, HttpRequestUser } from '@azure/functions';
import type { BufferedRequest } from './buffered-request.js';

const { HttpRequest: HttpRequestClass } = azf;

/**
 * An `HttpRequest` over a BufferedRequest, with the library class's prototype but none of its WeakMap
 * entries (see ../invocation/local-context.ts for why those matter under load). Same public surface and
 * `instanceof HttpRequest`; every member reads the buffered request as the library's own class would.
 */
class LocalHttpRequest {
  readonly #native: BufferedRequest;
  #user: HttpRequestUser | null | undefined;
  readonly query: URLSearchParams;
  readonly params: HttpRequestParams;

  constructor(native: BufferedRequest, params: HttpRequestParams, query: URLSearchParams) {
    this.#native = native;
    this.params = params;
    this.query = query;
  }

  get url(): string {
    return this.#native.url;
  }

  get method(): string {
    return this.#native.method;
  }

  get headers(): Headers {
    return this.#native.headers;
  }

  get user(): HttpRequestUser | null {
    // Rare (App Service / Static Web Apps auth headers): the library's own parsing, on a throw-away request.
    if (this.#user === undefined) {
      const probe = { headers: this.headers, url: this.url } as unknown as Request;
      this.#user = new HttpRequestClass({ nativeRequest: probe, query: {} } as ConstructorParameters<
        typeof HttpRequestClass
      >[0]).user;
    }
    return this.#user;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#native.body as ReadableStream<Uint8Array> | null;
  }

  get bodyUsed(): boolean {
    return this.#native.bodyUsed;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#native.arrayBuffer();
  }

  blob(): Promise<Blob> {
    return this.#native.blob();
  }

  formData(): Promise<FormData> {
    return this.#native.formData();
  }

  json(): Promise<unknown> {
    return this.#native.json();
  }

  text(): Promise<string> {
    return this.#native.text();
  }

  clone(): HttpRequest {
    return newHttpRequest(
      this.#native.clone(),
      structuredClone(this.params),
      new URLSearchParams(this.query),
    );
  }
}

Object.setPrototypeOf(LocalHttpRequest.prototype, HttpRequestClass.prototype);
Object.defineProperty(LocalHttpRequest, 'name', { value: 'HttpRequest' });

export function newHttpRequest(
  native: BufferedRequest,
  params: HttpRequestParams,
  query: URLSearchParams,
): HttpRequest {
  return new LocalHttpRequest(native, params, query) as unknown as HttpRequest;
}
