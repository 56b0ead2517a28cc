import { parseArgs } from 'node:util';
import { collectFiles, type InputFile } from './collect-files.js';

export interface CliArgs {
  files: InputFile[];
  timeoutMs: number;
  name?: string;
}

/**
 * `<file or folder> [...] [--timeout seconds] [--name blob-name]`, checked, folders expanded. A number is
 * the exit code to stop with (0 after --help, `usageExit` after a mistake, which is explained on stderr).
 */
export async function parseCli(
  usage: string,
  usageExit: number,
  withName = false,
): Promise<CliArgs | number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      timeout: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h' },
      ...(withName ? { name: { type: 'string' as const } } : {}),
    },
  });
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    return usageExit;
  };
  if (values.help) {
    process.stderr.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length === 0) return fail(usage);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) return fail(`--timeout ${values.timeout} must be a positive number of seconds`);
  let files: InputFile[];
  try {
    files = await collectFiles(positionals);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (files.length === 0) return fail(`no files in ${positionals.join(', ')}`);
  const name = typeof values.name === 'string' ? values.name : undefined;
  if (name !== undefined) {
    if (files.length !== 1) return fail('--name works with one file only');
    files[0].name = name;
  }
  return { files, timeoutMs, ...(name !== undefined ? { name } : {}) };
}
