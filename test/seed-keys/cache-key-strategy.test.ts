/**
 * Issue 20, `caching.strategies.query_results.cache_key_strategy`: `semantic_hash` (the seed's)
 * is what the exact tier does — it hashes the normalised question (src/infrastructure/cache/
 * cache-key.test.ts). `exact` used to be accepted and behave the same; `config validate` refuses it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runFortitude } from '../observability/spawn-server.js';

function configDir(value: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-key-strategy-'));
  writeFileSync(join(cwd, 'fortitude.yaml'), ['caching:', '  semantic: { enabled: false }', '  strategies:', `    query_results: { cache_key_strategy: ${value} }`, ''].join('\n'));
  return cwd;
}

it('config validate refuses exact, saying why', async () => {
  const run = await runFortitude(configDir('exact'), ['config', 'validate']);
  expect(run.code).toBe(2);
  const output = run.stdout + run.stderr;
  expect(output).toContain('caching.strategies.query_results.cache_key_strategy');
  expect(output).toContain('exact is not supported');
  const seed = await runFortitude(configDir('semantic_hash'), ['config', 'validate']);
  expect(seed.code, seed.stderr).toBe(0);
}, 60_000);

it('config validate refuses the qdrant-performance.yaml values the in-process index cannot honour', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-index-keys-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    ['caching:', '  semantic:', '    hnsw_config: { max_indexing_threads: 4 }', '    quantization: { scalar: { always_ram: false } }', ''].join('\n'),
  );
  const run = await runFortitude(cwd, ['config', 'validate']);
  expect(run.code).toBe(2);
  const output = run.stdout + run.stderr;
  expect(output).toContain('caching.semantic.hnsw_config.max_indexing_threads');
  expect(output).toContain('only 0 (auto) or 1 can be honoured');
  expect(output).toContain('caching.semantic.quantization.scalar.always_ram');
}, 60_000);
