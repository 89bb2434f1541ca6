#!/usr/bin/env node
// `prepare` (run by `npm ci`/`npm install` in a checkout, by `npm pack`, and by `npx fortitude`'s
// link of the checkout) and `prestart`: builds dist/ only when a source file is newer than the last
// build, so a start after an edit runs what was edited and everything else starts at once.
// Plain JavaScript: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built = statSync(join(root, 'dist', 'main.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')));
// `--check`: only say which (the README test uses it to decide whether dist/ matches the sources).
if (process.argv.includes('--check')) {
  process.stdout.write(built >= sources ? 'fresh\n' : 'stale\n');
  process.exit(0);
}
if (built >= sources) process.exit(0);
process.stderr.write(built === 0 ? 'fortitude: building dist/ (first start)\n' : 'fortitude: src/ changed since the last build; rebuilding dist/\n');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
chmodSync(join(root, 'dist', 'main.js'), 0o755);
// The built-in defaults, as `npm run build` writes them (scripts/write-default-config.mjs).
const defaults = spawnSync(process.execPath, [join(root, 'scripts', 'write-default-config.mjs')], { stdio: 'inherit' });
if (defaults.status !== 0) process.exit(defaults.status ?? 1);
