import type { ChildProcess } from 'node:child_process';

const exitHooks = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills the child when this process exits, however it exits (an uncaught error, process.exit), so a
 * sidecar never outlives the local host. Only a synchronous kill is possible at that point.
 */
export function killOnExit(child: ChildProcess): void {
  exitHooks.add(child);
  child.once('exit', () => exitHooks.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of exitHooks) c.kill('SIGKILL');
    });
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if the child is still there after `timeoutMs`. Resolves once it has exited. */
export async function stopChild(child: ChildProcess, timeoutMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** The last lines a child wrote, for error messages that show why it stopped. */
export class OutputTail {
  private lines: string[] = [];
  constructor(private readonly max = 20) {}
  push(chunk: Buffer | string): void {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(line.trimEnd());
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return this.lines.join('\n');
  }
}
