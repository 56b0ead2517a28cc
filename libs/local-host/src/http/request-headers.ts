import { inspect } from 'node:util';

/**
 * A fetch `Headers` over the headers Node's parser already validated and lower-cased.
 *
 * undici's `new Headers(record)` re-validates every name and value through WebIDL; with the four lookups a
 * scoring request makes, that cost ~3 µs, more than routing and the request object together. This class
 * keeps fetch's semantics (case-insensitive names, sorted iteration, mutable like a Request's headers,
 * `instanceof Headers`) over a plain Map, and validates only what a handler adds.
 */
export class RequestHeaders implements Headers {
  readonly #map = new Map<string, string>();

  /** `raw`: lower-case names (as IncomingMessage.headers has them) to values, repeated ones already joined. */
  constructor(raw: Record<string, string>) {
    for (const name in raw) this.#map.set(name, raw[name]);
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    const [n, v] = checked(name, value);
    this.#map.set(n, v);
  }

  append(name: string, value: string): void {
    const [n, v] = checked(name, value);
    const old = this.#map.get(n);
    this.#map.set(n, old === undefined ? v : `${old}, ${v}`);
  }

  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }

  getSetCookie(): string[] {
    const v = this.#map.get('set-cookie');
    return v === undefined ? [] : [v];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  *entries(): Generator<[string, string], undefined, undefined> {
    for (const n of [...this.#map.keys()].sort()) yield [n, this.#map.get(n)!];
  }

  *keys(): Generator<string, undefined, undefined> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): Generator<string, undefined, undefined> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): Generator<[string, string], undefined, undefined> {
    return this.entries();
  }

  [inspect.custom](): string {
    return `Headers ${inspect(Object.fromEntries(this.entries()))}`;
  }
}

// `instanceof Headers` holds, as for the Request the Functions worker builds; every method is our own.
Object.setPrototypeOf(RequestHeaders.prototype, Headers.prototype);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** fetch's checks for a header a handler sets: a token name, no CR/LF/NUL in the value, outer whitespace trimmed. */
function checked(name: string, value: string): [string, string] {
  if (!TOKEN.test(name)) throw new TypeError(`Headers: invalid header name "${name}"`);
  const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\r\n\0]/.test(v)) throw new TypeError(`Headers: invalid value for header "${name}"`);
  return [name.toLowerCase(), v];
}
