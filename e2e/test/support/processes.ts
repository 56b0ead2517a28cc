import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it (Linux only, as the tests that use this are). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

function info(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited: only its parent's wait is missing.
    if (fields[0] === 'Z') return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(fields[1]), cmdline };
  } catch {
    return undefined;
  }
}

/** Every running process this user can see. */
export function processes(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => info(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/** A zombie counts as gone. */
export function alive(pid: number): boolean {
  return info(pid) !== undefined;
}

/** The processes below `pid`, children first. */
export function descendants(pid: number): ProcInfo[] {
  const all = processes();
  const found: ProcInfo[] = [];
  const parents = [pid];
  while (parents.length) {
    const parent = parents.shift()!;
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push(p);
      parents.push(p.pid);
    }
  }
  return found;
}

/** Polls until every pid is gone or the time is up (a bound for a hung test, not a measured duration); returns those left. */
export async function gone(pids: number[], timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

/** Polls until `check` holds or the time is up; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return check();
}

/** A Node process running the `npm start` entry (not npm's `sh -c` line, which names the entry too). */
export function isHostProcess(p: ProcInfo): boolean {
  return /^(\S*\/)?node\s.*apps\/local\/src\/main\.ts/.test(p.cmdline);
}
