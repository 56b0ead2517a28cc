// Issue 30 item 6, measured: `node --import tsx e2e/test/support/connection-storm.ts [seconds] [connections]`.
// Starts the system as `npm start` (startSystem: free ports, LOCAL_HOST_WORKERS as set, default 2), makes
// one digit a cache hit, then runs wrk with 1,000 keep-alive connections posting that digit (cache hits)
// while a new client opens a fresh connection every 100 ms and sends the same request; prints the new
// clients' latency (p50 / p99 / max, and how many got no answer within 10 s) and wrk's throughput.
// A measurement, not a test: the numbers depend on the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, startSystem } from './system.js';

const seconds = Number(process.argv[2] ?? 20);
const connections = Number(process.argv[3] ?? 1000);
const body = readFileSync(resolve(ROOT, 'apps/local/samples/digit-7.json'));

function newClient(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((ok) => {
    const req = request(
      `${url}/score`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => ok({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => ok({ ms: Infinity, status: 0 }));
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

const sys = await startSystem(undefined, { CACHE_MODE: process.env.CACHE_MODE ?? 'redis' });
try {
  console.log(`storm against ${sys.url}`);
  await newClient(sys.url);
  const dir = mkdtempSync(join(tmpdir(), 'storm-'));
  const script = join(dir, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.body = ${JSON.stringify(body.toString())}\n`,
  );
  const wrk = spawn(
    'wrk',
    ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${sys.url}/score`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let wrkOut = '';
  wrk.stdout.on('data', (d: Buffer) => (wrkOut += d.toString()));
  const wrkDone = new Promise((r) => wrk.once('exit', r));
  // Let every storm connection open first: the new clients arrive into a full house.
  await new Promise((r) => setTimeout(r, 2_000));
  const probes: Promise<{ ms: number; status: number }>[] = [];
  const stormStarted = Date.now() - 2_000;
  const steadyFrom: number[] = [];
  const until = Date.now() + (seconds - 4) * 1000;
  while (Date.now() < until) {
    // Probes sent once wrk has had 6 s to open its connections count as the steady state too.
    if (Date.now() - stormStarted >= 6_000) steadyFrom.push(probes.length);
    probes.push(newClient(sys.url));
    await new Promise((r) => setTimeout(r, 100));
  }
  const results = await Promise.all(probes);
  const steady = results
    .filter((_, i) => steadyFrom.includes(i))
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const unanswered = steady.filter((ms) => ms === Infinity).length;
  console.log(
    `steady state (from 6 s into the storm): ${steady.length} new clients, ${unanswered} unanswered; ` +
      `p50 ${pct(steady, 50)?.toFixed(0)} ms, p99 ${pct(steady, 99)?.toFixed(0)} ms`,
  );
  await wrkDone;
  const answered = results
    .filter((r) => r.ms !== Infinity)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const statuses: Record<number, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  console.log(
    `new clients: ${results.length}, answered ${answered.length}, statuses ${JSON.stringify(statuses)}; ` +
      `p50 ${pct(answered, 50)?.toFixed(0)} ms, p99 ${pct(answered, 99)?.toFixed(0)} ms, max ${answered.at(-1)?.toFixed(0)} ms`,
  );
  console.log(
    wrkOut
      .split('\n')
      .filter((l) => /Requests\/sec|requests in|Socket errors|Non-2xx|99%|50%/.test(l))
      .join('\n'),
  );
} finally {
  await sys.stop('SIGTERM');
}
