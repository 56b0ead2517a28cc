/**
 * `npm run drop -- <image or folder> [...] [--name blob-name] [--timeout seconds]`: uploads images into the
 * blob trigger's container (a folder: every file under it, named by its path inside the folder) and prints
 * what the blob function wrote for each. Storage: AzureWebJobsStorage, default `UseDevelopmentStorage=true`
 * (the Azurite that `npm start` runs). Exit code 0: all scored; 2: some refused (error records); 1: some
 * got no result in time, or the upload failed.
 */
import { blobAppSettings } from '@modelfn/settings';
import { parseCli } from './cli-args.js';
import { dropBlobs, type DropProgress, type DropResult } from './drop-blobs.js';

const USAGE =
  'usage: npm run drop -- <image or folder> [more...] [--name <blob name>] [--timeout <seconds>]\n';

function pretty(body: string | undefined): string {
  try {
    return JSON.stringify(JSON.parse(body ?? ''), null, 2);
  } catch {
    return body ?? '';
  }
}

/** On a terminal one line that updates in place; in a pipe or a log, a line per result. */
function progressPrinter(): { update: (p: DropProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  return {
    update: (p) => {
      const line = `uploaded ${p.uploaded}/${p.total}, answered ${p.answered}/${p.total}`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (p.result) process.stderr.write(`${line}: ${p.result.blob} ${p.result.status}\n`);
    },
    done: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}

function exitCode(results: DropResult[]): number {
  if (results.some((r) => r.status === 'missing')) return 1;
  return results.some((r) => r.status === 'refused') ? 2 : 0;
}

async function main(): Promise<number> {
  const args = await parseCli(USAGE, 1, true);
  if (typeof args === 'number') return args;
  const { files, timeoutMs } = args;
  const settings = blobAppSettings();
  const connectionString = process.env[settings.connectionSetting] || 'UseDevelopmentStorage=true';
  const printer = progressPrinter();
  let results: DropResult[];
  try {
    results = await dropBlobs({
      connectionString,
      inputContainer: settings.inputContainer,
      outputContainer: settings.outputContainer,
      files,
      timeoutMs,
      onProgress: printer.update,
    });
  } catch (e) {
    printer.done();
    const refused = (e as { code?: string }).code === 'ECONNREFUSED';
    const hint = refused
      ? ' (nothing listens there: start the local host with npm start, or set AzureWebJobsStorage)'
      : '';
    process.stderr.write(`upload failed: ${(e as Error).message}${hint}\n`);
    return 1;
  }
  printer.done();
  for (const r of results) {
    if (r.status === 'missing') {
      process.stderr.write(
        `no result for ${r.blob} after ${timeoutMs / 1000} s: is the local host running (npm start), ` +
          'and does AzureWebJobsStorage point at the storage it watches?\n',
      );
    } else if (results.length === 1) {
      process.stdout.write(`${r.output}\n${pretty(r.body)}\n`);
    } else {
      process.stdout.write(`${r.output} ${r.body?.trim()}\n`);
    }
  }
  return exitCode(results);
}

process.exitCode = await main();
