import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';

export interface InputFile {
  /** Path on disk. */
  file: string;
  /** Name to give it: the file name, or its path inside a folder given on the command line (`a/b.png`). */
  name: string;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Hidden files (.DS_Store, editor swap files) are never meant as inputs.
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * The files named on the command line, folders expanded to every file under them. A missing path is an
 * error before anything is sent.
 */
export async function collectFiles(paths: string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`${path}: no such file or folder`);
    if (info.isDirectory()) {
      for (const file of await walk(path))
        files.push({ file, name: relative(path, file).split(sep).join('/') });
    } else {
      files.push({ file: path, name: basename(path) });
    }
  }
  return files;
}
