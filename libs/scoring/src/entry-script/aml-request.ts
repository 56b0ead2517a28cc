import { codecs } from '../decode/codecs.js';
import type { AMLRequest, Trigger } from './types.js';

export interface RequestParts {
  trigger: Trigger;
  body: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  properties?: Record<string, unknown>;
  blobName?: string;
  /** The body as a value, when a host parsed it already (a Service Bus message): `json()` returns it. */
  value?: unknown;
}

export function amlRequest(parts: RequestParts): AMLRequest {
  let parsed: { value: unknown } | undefined = 'value' in parts ? { value: parts.value } : undefined;
  return {
    trigger: parts.trigger,
    body: parts.body,
    contentType: parts.contentType,
    headers: parts.headers ?? {},
    properties: parts.properties ?? {},
    ...(parts.blobName !== undefined ? { blobName: parts.blobName } : {}),
    json<T>() {
      parsed ??= { value: codecs.parseJson(parts.body) };
      return parsed.value as T;
    },
  };
}
