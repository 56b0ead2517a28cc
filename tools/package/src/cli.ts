// `npm run package [-- [--out DIR] [app...]]`: one zip per Function app in dist/packages (or DIR), the apps
// must be built (the npm script builds them first). Prints each package's size.
import { relative, resolve } from 'node:path';
import { packageApps, WORKSPACE_ROOT } from './package-apps.js';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv[outAt + 1] : undefined;
if (outAt >= 0 && (out === undefined || out.startsWith('--'))) {
  console.error('--out needs a folder');
  process.exit(2);
}
const apps = outAt >= 0 ? argv.filter((_, i) => i !== outAt && i !== outAt + 1) : argv;
for (const p of await packageApps({
  apps: apps.length ? apps : undefined,
  out: out === undefined ? undefined : resolve(out),
})) {
  console.log(
    `${relative(WORKSPACE_ROOT, p.zip)}: ${mb(p.zipBytes)} (${p.files} files, ${mb(p.unpackedBytes)} unpacked)`,
  );
}
