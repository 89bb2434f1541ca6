import { createRequire } from 'node:module';
import type CliTable3 from 'cli-table3';

const require = createRequire(import.meta.url);

/**
 * A cli-table3 table, the package loaded on the first table drawn (it is CommonJS, so `require`
 * gives what an `import` would): `--help`, `--json` and commands that print no table never load it.
 */
export function newTable(options?: CliTable3.TableConstructorOptions): CliTable3.Table {
  const Table = require('cli-table3') as typeof CliTable3;
  return new Table(options);
}
