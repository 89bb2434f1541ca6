import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);
let loaded: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded on first use (it is CommonJS under Node, so `require` gives what an
 * `import` would): running on the built-in defaults with no `FORTITUDE_*` overrides never loads
 * its ~70 modules.
 */
export function yaml(): typeof Yaml {
  return (loaded ??= require('yaml') as typeof Yaml);
}
