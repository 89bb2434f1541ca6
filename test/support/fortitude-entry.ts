import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TSX_IMPORT } from './tsx-loader.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The sources of a spawned `fortitude` (run through tsx when dist/ is not built from them). */
export const MAIN_SOURCE = join(ROOT, 'src', 'main.ts');
/** What `npm run build` makes of them: what `npm start`, `npx fortitude` and the Dockerfile run. */
export const MAIN_BUILT = join(ROOT, 'dist', 'main.js');

function newestMtimeMs(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newestMtimeMs(join(path, entry)));
  return latest;
}

/**
 * Whether dist/ was built after the last change to src/ and the tsconfig files: the rule of
 * `scripts/build-if-stale.mjs` (`npm start`'s prestart), which a checkout, a rebase or an edit
 * breaks by touching a source file.
 */
function distIsFresh(): boolean {
  const built = statSync(MAIN_BUILT, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built === 0) return false;
  const sources = Math.max(newestMtimeMs(join(ROOT, 'src')), newestMtimeMs(join(ROOT, 'tsconfig.json')), newestMtimeMs(join(ROOT, 'tsconfig.build.json')));
  return built >= sources;
}

/**
 * Where spawned `fortitude` processes come from. CI builds dist/ before `npm test`, and a process
 * started from it is ready several times sooner than one that loads the TypeScript sources
 * through tsx (a CLI `research` 6.6–7.7 s vs 21–29 s on a loaded 2-core machine; test/cli as a
 * whole 31 s vs 89 s), and spawned processes are most of the suite's wall time. It is also what
 * users run (`npm start`, `npx fortitude`, the Dockerfile). When dist/ is missing or older than
 * src/ (an edit without `npm run build`), the sources run through tsx, so a test never runs stale
 * code. `FORTITUDE_TEST_ENTRY=src` forces the sources.
 */
export const FORTITUDE_ENTRY: 'dist' | 'src' = process.env.FORTITUDE_TEST_ENTRY !== 'src' && distIsFresh() ? 'dist' : 'src';

/** `node` arguments before the `fortitude` command line: `[dist/main.js]` or `[--import tsx, src/main.ts]`. */
export const FORTITUDE_NODE_ARGS: readonly string[] = FORTITUDE_ENTRY === 'dist' ? [MAIN_BUILT] : ['--import', TSX_IMPORT, MAIN_SOURCE];
