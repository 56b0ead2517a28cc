import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string | undefined;
  gunicorn: string | undefined;
  wrk: string | undefined;
}

function firstLine(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
}

/** "redis-server 7.0.15" out of a tool's version banner. */
function shortVersion(tool: string, line: string | undefined, re: RegExp): string | undefined {
  if (line === undefined) return undefined;
  const v = re.exec(line)?.[1];
  return v ? `${tool} ${v}` : line;
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty}, Linux ${os.release()}`;
  } catch {
    // not Linux, or no os-release: the kernel line is enough
  }
  return `${os.type()} ${os.release()}`;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName(),
    node: process.version,
    redis: shortVersion('redis-server', firstLine('redis-server', ['--version']), /v=(\S+)/),
    gunicorn: shortVersion('gunicorn', firstLine('gunicorn', ['--version']), /version ([\d.]+)/),
    wrk: shortVersion('wrk', firstLine('wrk', ['--version']), /wrk (\S+)/),
  };
}

/** Peak resident set size of a process (VmHWM), in bytes; undefined when it cannot be read. */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) a process has used so far, in seconds; undefined when it cannot be read. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name, which may itself hold spaces: utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}
