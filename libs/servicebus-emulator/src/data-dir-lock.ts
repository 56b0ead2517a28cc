// One emulator per data folder: two writing one log would interleave their records.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Folders this process holds (a pid file naming this process but not in here is stale: a reused pid). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir/emulator.pid` (a stale one, of a process that is gone, is taken over); returns the release. */
export function lockDataDir(dir: string): () => void {
  const key = resolve(dir);
  const file = join(key, 'emulator.pid');
  mkdirSync(key, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(key);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(key);
        rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(file, 'utf8'));
      const inUse = owner === process.pid ? held.has(key) : Number.isInteger(owner) && alive(owner);
      if (inUse) {
        throw new Error(
          `The Service Bus emulator's data folder ${key} is in use by process ${owner}; stop that emulator ` +
            'or give this one another folder (SERVICEBUS_DATA_DIR).',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the Service Bus emulator's data folder ${key}`);
}
