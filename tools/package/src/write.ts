import { createWriteStream, statSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { PackageEntry } from './entries.js';

/** A fixed time for every zip entry: the same inputs give the same zip bytes. */
const EPOCH = new Date('2020-01-01T00:00:00Z');

export function entrySize(e: PackageEntry): number {
  return 'data' in e ? e.data.length : statSync(e.source).size;
}

/** Writes the entries as a zip (deflated, sorted, fixed times), as Flex Consumption's zip deploy takes it. */
export async function writeZip(entries: PackageEntry[], file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const zip = new ZipFile();
  const out = createWriteStream(file);
  zip.outputStream.pipe(out);
  for (const e of [...entries].sort((a, b) => a.path.localeCompare(b.path))) {
    const opts = { mtime: EPOCH, mode: 0o100644 };
    if ('data' in e) zip.addBuffer(e.data, e.path, opts);
    else zip.addFile(e.source, e.path, opts);
  }
  zip.end();
  await finished(out);
}

/** Writes the entries as a folder (what azd zips and deploys), replacing any earlier one. */
export async function writeFolder(entries: PackageEntry[], dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const e of entries) {
    const target = join(dir, e.path);
    await mkdir(dirname(target), { recursive: true });
    if ('data' in e) await writeFile(target, e.data);
    else await copyFile(e.source, target);
  }
}
