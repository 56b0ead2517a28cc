import { spawn } from 'node:child_process';
import { killOnExit } from '@modelfn/dev-processes';

export interface Captured {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (it must end by itself: every load generator here has a duration). */
export function runCaptured(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A hung generator must not hang the bench: the duration plus a margin, then it is killed.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON object printed after `mark` on one line of `text`. */
export function markedJson<T>(text: string, mark: string): T | undefined {
  const line = text.split('\n').find((l) => l.startsWith(mark));
  return line === undefined ? undefined : (JSON.parse(line.slice(mark.length)) as T);
}
