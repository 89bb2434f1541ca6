#!/usr/bin/env node
// `npm run build`'s last step: tsc writes dist/main.js without the executable bit its shebang
// needs for `npx fortitude` and the `fortitude` bin of an installed package.
import { chmodSync } from 'node:fs';

for (const path of process.argv.slice(2)) chmodSync(path, 0o755);
