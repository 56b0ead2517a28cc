import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScorer, readSettings, type Scorer } from '../../src/index.js';

/** A scratch repository of models built by the test: name → model bytes, optional config and extra files. */
export interface TestModel {
  onnx: Uint8Array;
  config?: object;
  files?: Record<string, string>;
}

export async function scorerOver(
  models: Record<string, TestModel>,
  env: Record<string, string> = {},
): Promise<{ scorer: Scorer; root: string; close: () => Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'modelfn-any-'));
  for (const [name, m] of Object.entries(models)) {
    mkdirSync(join(root, name, '1'), { recursive: true });
    writeFileSync(join(root, name, '1', 'model.onnx'), m.onnx);
    if (m.config) writeFileSync(join(root, name, 'config.json'), JSON.stringify(m.config));
    for (const [file, text] of Object.entries(m.files ?? {})) writeFileSync(join(root, name, file), text);
  }
  const scorer = await createScorer(readSettings({ MODEL_REPOSITORY: root, CACHE_MODE: 'memory', ...env }));
  return {
    scorer,
    root,
    close: async () => {
      await scorer.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
