// `npm run package`: one zip per Function app in dist/packages (the apps must be built; the npm script
// builds them first). Prints each package's size.
import { relative } from 'node:path';
import { packageApps, WORKSPACE_ROOT } from './package-apps.js';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const apps = process.argv.slice(2);
for (const p of await packageApps({ apps: apps.length ? apps : undefined })) {
  console.log(
    `${relative(WORKSPACE_ROOT, p.zip)}: ${mb(p.zipBytes)} (${p.files} files, ${mb(p.unpackedBytes)} unpacked)`,
  );
}
