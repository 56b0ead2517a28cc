import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size now (VmRSS) and at its peak (VmHWM) of one process, in bytes. */
export interface ProcessRss {
  pid: number;
  rssBytes: number;
  hwmBytes: number;
}

/** VmRSS and VmHWM out of a /proc/<pid>/status text; undefined when either is missing. */
export function parseStatus(pid: number, status: string): ProcessRss | undefined {
  const kb = (field: string) => new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  if (rss === undefined || hwm === undefined) return undefined;
  return { pid, rssBytes: Number(rss) * 1024, hwmBytes: Number(hwm) * 1024 };
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants (the children of each of its threads, as /proc lists them). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${tree[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const children = read(`/proc/${tree[i]}/task/${tid}/children`) ?? '';
      for (const c of children.trim().split(/\s+/).filter(Boolean)) {
        if (!tree.includes(Number(c))) tree.push(Number(c));
      }
    }
  }
  return tree;
}

/**
 * Each process of the tree under `pid`, and their sums. Peaks are per process: the sum of VmHWM is an upper
 * bound on the tree's peak (the processes need not have peaked at once); with one process it is exact.
 */
export function treeRss(pid: number): { processes: ProcessRss[]; rssBytes: number; hwmBytes: number } {
  const processes = processTree(pid)
    .map((p) => {
      const status = read(`/proc/${p}/status`);
      return status === undefined ? undefined : parseStatus(p, status);
    })
    .filter((p): p is ProcessRss => p !== undefined);
  return {
    processes,
    rssBytes: processes.reduce((n, p) => n + p.rssBytes, 0),
    hwmBytes: processes.reduce((n, p) => n + p.hwmBytes, 0),
  };
}

/** "1 process" or "sum of 3 processes: 412 + 12 + 9 MiB". */
export function describeTree(processes: ProcessRss[], pick: 'rssBytes' | 'hwmBytes'): string {
  const mib = (b: number) => Math.round(b / 2 ** 20);
  if (processes.length === 1) return '1 process';
  return `sum of ${processes.length} processes: ${processes.map((p) => mib(p[pick])).join(' + ')} MiB`;
}
