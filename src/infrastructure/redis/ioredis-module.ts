import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';

const require = createRequire(import.meta.url);
let loaded: typeof IORedis | undefined;

/**
 * ioredis, loaded on first use (it is a CommonJS package, so `require` gives the same module an
 * `import` would): a process without Redis configured never loads its ~40 modules.
 */
export function ioredis(): typeof IORedis {
  return (loaded ??= require('ioredis') as typeof IORedis);
}
