// @ts-check
import { keyHeaders } from './key.js';

/** A refusal or failure from the server, carrying its `{error, code}` message. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string | undefined} code
   */
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @typedef {object} Reply
 * @property {unknown} body parsed JSON, a Blob for an image, or text
 * @property {Headers} headers
 * @property {number} ms time from sending to the whole body read
 * @property {number} status 2xx (202: accepted, answered later at a status URL)
 */

/**
 * One API call with the page's function key. A status of 400 or more throws an ApiError with the
 * server's message.
 * @param {string} path
 * @param {{ method?: string, body?: BodyInit, headers?: Record<string, string> }} [init]
 * @returns {Promise<Reply>}
 */
export async function api(path, init = {}) {
  const started = performance.now();
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: { ...keyHeaders(), ...init.headers },
  });
  const type = res.headers.get('content-type') ?? '';
  // An image answer (Accept: image/png) stays bytes; errors are JSON whatever was asked.
  if (res.ok && type.startsWith('image/')) {
    const blob = await res.blob();
    return { body: blob, headers: res.headers, ms: performance.now() - started, status: res.status };
  }
  const text = await res.text();
  const ms = performance.now() - started;
  /** @type {unknown} */
  let body = text;
  if (type.includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      // Left as text: the message below shows what came.
    }
  }
  if (!res.ok) {
    const b = /** @type {{ error?: unknown, code?: unknown }} */ (typeof body === 'object' && body) || {};
    const message =
      typeof b.error === 'string'
        ? b.error
        : res.status === 401
          ? 'the server wants a function key: open this page with ?code=<key> or enter the key above'
          : `HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
    throw new ApiError(message, res.status, typeof b.code === 'string' ? b.code : undefined);
  }
  return { body, headers: res.headers, ms, status: res.status };
}
