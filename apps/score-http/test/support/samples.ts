import { readFile } from 'node:fs/promises';

// The sample bodies `npm start` prints curl lines for (apps/local/samples): MNIST test image 0, a 7.
const samples = new URL('../../../local/samples/', import.meta.url);

/** The digit the samples show. */
export const SAMPLE_DIGIT = 7;

/** digit-7.png, the image itself. */
export function samplePng(): Promise<Buffer> {
  return readFile(new URL('digit-7.png', samples));
}

/** digit-7.json: `{"data": [[784 values]]}`, the Azure ML style body. */
export async function sampleJson(): Promise<{ data: number[][] }> {
  return JSON.parse(await readFile(new URL('digit-7.json', samples), 'utf8')) as { data: number[][] };
}

export interface V2InputTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

/** digit-7.v2.json: `{"inputs": [{"name": "input", "shape": [1, 784], "datatype": "FP32", "data"}]}`. */
export async function sampleV2(): Promise<{ inputs: V2InputTensor[] }> {
  return JSON.parse(await readFile(new URL('digit-7.v2.json', samples), 'utf8')) as {
    inputs: V2InputTensor[];
  };
}
