#!/usr/bin/env node
// `npm run build`'s step after tsc (and build-if-stale's): writes dist/app/config/default-config.json,
// the compiled schema's output for an empty configuration and each provider kind's API-key
// variables, which `fortitude` uses when nothing is configured instead of loading zod, building the
// schema and loading the provider definitions (src/app/config/default-config.ts).
import { writeFileSync } from 'node:fs';

const { DEFAULT_CONFIG_FILE } = await import('../dist/app/config/default-config.js');
const { generateDefaultsFile } = await import('../dist/app/config/generate-defaults.js');
writeFileSync(new URL(`../dist/app/config/${DEFAULT_CONFIG_FILE}`, import.meta.url), generateDefaultsFile());
