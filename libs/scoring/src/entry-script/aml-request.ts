import { parseJson } from '../decode/parse-json.js';
import type { AMLRequest, Trigger } from './types.js';

export interface RequestParts {
  trigger: Trigger;
  body: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  properties?: Record<string, unknown>;
  blobName?: string;
}

export function amlRequest(parts: RequestParts): AMLRequest {
  let parsed: { value: unknown } | undefined;
  return {
    trigger: parts.trigger,
    body: parts.body,
    contentType: parts.contentType,
    headers: parts.headers ?? {},
    properties: parts.properties ?? {},
    ...(parts.blobName !== undefined ? { blobName: parts.blobName } : {}),
    json<T>() {
      parsed ??= { value: parseJson(parts.body.toString('utf8')) };
      return parsed.value as T;
    },
  };
}
