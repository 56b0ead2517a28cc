// `tsx tools/entry-scripts/src/cli.ts [repository]`: compiles the model repository's entry scripts (the
// apps' builds run it). Default repository: ./models.
import { resolve } from 'node:path';
import { compileEntryScripts } from './compile.js';

const repository = resolve(process.argv[2] ?? 'models');
const built = await compileEntryScripts(repository);
console.log(
  built.length ? `entry scripts compiled: ${built.join(', ')}` : `no entry script in ${repository}`,
);
