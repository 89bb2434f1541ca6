import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * `--import` value that loads tsx from this repository, so a spawned `src/main.ts` runs from
 * any working directory (a bare `--import tsx` resolves from the child's cwd).
 */
export const TSX_IMPORT = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
