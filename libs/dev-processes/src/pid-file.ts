import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid in `file` when that process is still running and its command line holds every one of `marks`
 * (the program and its port), so a pid reused by an unrelated process is never taken for ours. Linux only
 * (/proc); elsewhere undefined, and the caller starts as if there were no pid file.
 */
export function orphanFromPidFile(file: string, ...marks: (string | RegExp)[]): number | undefined {
  let pid: number;
  let cmdline: string;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
  return marks.every((m) => (typeof m === 'string' ? cmdline.includes(m) : m.test(cmdline)))
    ? pid
    : undefined;
}

/** Signals a process that is not our child (so there is no exit event) and polls until it is gone. */
export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs = 5_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      if (signal === 'SIGKILL') return;
      process.kill(pid, 'SIGKILL');
      signal = 'SIGKILL';
    }
    await sleep(20);
  }
}
