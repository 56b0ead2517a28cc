/** Small fetch helpers: every test reads status, headers and a parsed body. */
export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(url: string, init: RequestInit = {}): Promise<Reply<T>> {
  const res = await fetch(url, init);
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json')
    ? await res.json()
    : type.startsWith('text/')
      ? await res.text()
      : Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: body as T };
}

export function postJson<T = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  return call<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function postBytes<T = unknown>(
  url: string,
  body: Uint8Array,
  type: string,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  return call<T>(url, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
}

export interface ErrorBody {
  error: string;
  code: string;
}

/** A v2 request for image rows, shape [n, 784]. */
export function v2Request(rows: number[][], extra: Record<string, unknown> = {}) {
  return {
    id: 'req-1',
    inputs: [{ name: 'input', shape: [rows.length, 784], datatype: 'FP32', data: rows.flat() }],
    ...extra,
  };
}
