import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a folder's files look like without reading them: each file's path, size, modification time and inode.
 * A file replaced (a copy renamed over it, a blob downloaded again) or edited changes it; an unchanged
 * file costs one stat per poll, never a hash. `skip` leaves out entries of the top folder (the version
 * folders of a model folder, documentation).
 */
export async function folderPrint(
  dir: string,
  skip: (name: string) => boolean = () => false,
): Promise<string> {
  const lines: string[] = [];
  await walk(dir, '', skip, lines);
  return lines.sort().join('\n');
}

async function walk(dir: string, rel: string, skip: (name: string) => boolean, out: string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(join(dir, rel));
  } catch {
    return;
  }
  for (const name of names) {
    if ((rel === '' && skip(name)) || name === 'node_modules' || name.endsWith('.download')) continue;
    const path = rel === '' ? name : `${rel}/${name}`;
    const s = await stat(join(dir, path)).catch(() => undefined);
    if (!s) continue;
    if (s.isDirectory()) await walk(dir, path, skip, out);
    else out.push(`${path}\t${s.size}\t${s.mtimeMs}\t${s.ino}`);
  }
}

/** A model folder's own files (config.json, labels, an entry script and its modules), not its versions. */
export function modelFilesPrint(dir: string): Promise<string> {
  return folderPrint(dir, (name) => /^[1-9][0-9]*$/.test(name) || /\.md$/i.test(name));
}
