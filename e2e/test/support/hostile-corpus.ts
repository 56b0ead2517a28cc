import { blackPng, pngClaiming, svgBomb } from '@modelfn/model-builder';
import { png, row } from './digits.js';

export interface HostileCase {
  name: string;
  body: Buffer;
  contentType?: string;
  /** What the HTTP trigger answers (POST /score unless `path` says otherwise). */
  status: number;
  code: string;
  path?: string;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

export async function hostileCorpus(): Promise<HostileCase[]> {
  const digit = await png(0);
  const oneRow = row(0);
  return [
    {
      name: 'truncated PNG',
      body: digit.subarray(0, 60),
      contentType: 'image/png',
      status: 400,
      code: 'UNDECODABLE_IMAGE',
    },
    {
      name: 'PNG claiming 50000x50000',
      body: pngClaiming(50000, 50000),
      contentType: 'image/png',
      status: 413,
      code: 'IMAGE_TOO_LARGE',
    },
    {
      // Rendered before issue 14: an SVG is a program (1.5 KB of nested <use> costs seconds of CPU).
      name: 'SVG sent as image/png',
      body: svgBomb(),
      contentType: 'image/png',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      // ~16 KiB that inflates to 16 MiB; its pixel count is exactly MAX_IMAGE_PIXELS, so the side limit says no.
      name: 'PNG inflating to 16777216x1',
      body: blackPng(16_777_216, 1),
      contentType: 'image/png',
      status: 413,
      code: 'IMAGE_TOO_LARGE',
    },
    {
      name: 'JSON with 10^6 rows',
      body: Buffer.from(`{"data":[${new Array(1_000_000).fill('[0]').join(',')}]}`),
      contentType: 'application/json',
      status: 413,
      code: 'TOO_MANY_ROWS',
    },
    {
      name: 'nested arrays of wrong depth',
      body: json({ data: [[oneRow]] }),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_SHAPE',
    },
    {
      name: 'rows of the wrong length',
      body: json({ data: [oneRow.slice(1)] }),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_SHAPE',
    },
    {
      name: 'NaN literal (not JSON)',
      body: Buffer.from(`{"data":[[NaN${',0'.repeat(783)}]]}`),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'Infinity via 1e400',
      body: Buffer.from(`{"data":[[1e400${',0'.repeat(783)}]]}`),
      contentType: 'application/json',
      status: 400,
      code: 'NON_FINITE_VALUE',
    },
    {
      name: 'string values',
      body: json({ data: [oneRow.map(String)] }),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_DATATYPE',
    },
    {
      name: 'v2 with a wrong datatype name',
      body: json({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FLOAT32', data: oneRow }] }),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_DATATYPE',
      path: '/v2/models/mnist/infer',
    },
    {
      name: 'non-UTF-8 JSON body',
      body: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'float32 bytes that are not whole rows',
      body: Buffer.alloc(1001),
      contentType: 'application/octet-stream',
      status: 400,
      code: 'INVALID_SHAPE',
    },
    {
      name: 'an unsupported content type',
      body: Buffer.from('a,b,c'),
      contentType: 'text/csv',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'an empty body',
      body: Buffer.alloc(0),
      contentType: 'application/json',
      status: 400,
      code: 'INVALID_JSON',
    },
  ];
}
