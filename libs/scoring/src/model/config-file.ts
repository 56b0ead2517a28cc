import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScoringError } from '../errors.js';
import { parseConfigFile, type PartialModelConfig } from './model-config.js';

export async function readConfigFile(dir: string, name: string): Promise<PartialModelConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch (e) {
    // No config.json: everything comes from the ONNX signature (Triton's auto-complete).
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScoringError(
      'INVALID_MODEL',
      `model "${name}": ${dir}/config.json is not JSON: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return parseConfigFile(name, raw);
}

/** `labels.txt` (or an output's label_filename) beside config.json: one label per line, as Triton reads it. */
export async function readLabelFile(dir: string, file: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
