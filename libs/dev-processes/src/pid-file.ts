import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot): with the pid, it names one process, never a reuse. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * Writes `<pid> <owner pid> <owner start time>`: the process and the host that answers for it (this one),
 * so a later start can tell a process left by a dead host from one a live host is using.
 */
export function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid} ${process.pid} ${processStartTime(process.pid) ?? ''}`.trim());
}

/**
 * What a pid file says about the port's holder: nothing usable (`none`: no file, a dead or unrelated pid),
 * an `orphan` whose recorded owner is dead (ours to take over), or a process `owned` by a live host (never
 * to be touched: stopping it would break that host).
 */
export type PidFileState =
  { kind: 'none' } | { kind: 'orphan'; pid: number } | { kind: 'owned'; pid: number; owner: number };

/**
 * Reads `file` (see writePidFile). The process counts only when it is still running and its command line holds
 * every one of `marks` (the program and its port), so a pid reused by an unrelated process is never taken
 * for ours. Its owner is alive when that pid runs with the recorded start time; a file from before owners
 * were recorded names none, and then the process's parent, if it is still a node process, is its owner.
 * Linux only (/proc); elsewhere `none`, and the caller starts as if there were no pid file.
 */
export function readPidFile(file: string, ...marks: (string | RegExp)[]): PidFileState {
  let fields: string[];
  try {
    fields = readFileSync(file, 'utf8').trim().split(/\s+/);
  } catch {
    return { kind: 'none' };
  }
  const pid = Number(fields[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return { kind: 'none' };
  const cmdline = commandLine(pid);
  if (cmdline === undefined) return { kind: 'none' };
  if (!marks.every((m) => (typeof m === 'string' ? cmdline.includes(m) : m.test(cmdline))))
    return { kind: 'none' };
  const owner = Number(fields[1]);
  if (Number.isInteger(owner) && owner > 0) {
    const ownerAlive =
      owner !== process.pid && isAlive(owner) && (!fields[2] || processStartTime(owner) === fields[2]);
    return ownerAlive ? { kind: 'owned', pid, owner } : { kind: 'orphan', pid };
  }
  const parent = parentPid(pid);
  if (parent !== undefined && parent > 1 && /\bnode\b|node\s/.test(commandLine(parent) ?? ''))
    return { kind: 'owned', pid, owner: parent };
  return { kind: 'orphan', pid };
}

/** The pid in `file` when it is an orphan (see readPidFile): a process whose owner is gone. */
export function orphanFromPidFile(file: string, ...marks: (string | RegExp)[]): number | undefined {
  const state = readPidFile(file, ...marks);
  return state.kind === 'orphan' ? state.pid : undefined;
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
