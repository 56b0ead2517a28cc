import { expect, it } from 'vitest';
import { startApp } from './support/app-host.js';
import { png, row, label } from './support/mnist.js';

it('smoke', async () => {
  const app = await startApp();
  try {
    const r = await fetch(`${app.url}/score`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await png(0) });
    console.log(r.status, [...r.headers], await r.text(), label(0));
    const j = await fetch(`${app.url}/score?probabilities=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [row(0), row(1)] }) });
    console.log(j.status, [...j.headers], await j.text(), label(1));
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) { const q = await fetch(`${app.url}/score`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await png(i % 50) }); await q.arrayBuffer(); }
    console.log('ms/req', (performance.now() - t0) / 2000);
    expect(1).toBe(1);
  } finally {
    await app.close();
  }
});
