import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { findObject, KUBERNETES_DIR, readManifests, REPO_DIR, yamlFilesUnder } from './manifest-files.js';

/** docs/operations.md must name only metrics, files and numbers that exist. */

const guide = readFileSync(join(REPO_DIR, 'docs', 'operations.md'), 'utf8');
const manifests = readManifests(yamlFilesUnder(join(KUBERNETES_DIR, 'base')).filter((path) => !path.endsWith('kustomization.yaml')));

function sourcesOf(dir: string, extension: string): string {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

describe('docs/operations.md', () => {
  it('names only metrics that Fortitude or prom-client’s default collectors register', () => {
    const registered =
      sourcesOf(join(REPO_DIR, 'src', 'infrastructure', 'metrics'), '.ts') + sourcesOf(join(REPO_DIR, 'node_modules', 'prom-client', 'lib', 'metrics'), '.js');
    const named = [...new Set([...guide.matchAll(/\bfortitude_([a-z0-9_]+)/g)].map((match) => match[1]!.replace(/_bucket$/, '')))];
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((name) => !registered.includes(`'${name}'`));
    expect(missing).toEqual([]);
  });

  it('refers only to deploy/ files that exist', () => {
    const paths = [...new Set([...guide.matchAll(/(?<![\w/])deploy\/[\w./-]*[\w/]/g)].map((match) => match[0]))];
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect(existsSync(join(REPO_DIR, path)), path).toBe(true);
  });

  it('states the connection budget the manifests actually have', () => {
    const maxReplicas = (findObject(manifests, 'HorizontalPodAutoscaler').spec as { maxReplicas: number }).maxReplicas;
    const config = parseConfigText(findObject(manifests, 'ConfigMap', 'fortitude-config').data?.['fortitude.yaml'] ?? '');
    const conf = readFileSync(join(REPO_DIR, 'deploy', 'postgresql', 'postgresql.conf'), 'utf8');
    const maxConnections = Number(/^max_connections = (\d+)/m.exec(conf)?.[1]);
    const reserved = Number(/^superuser_reserved_connections = (\d+)/m.exec(conf)?.[1]);
    const total = maxReplicas * config.server.workers * config.database.pool_size + reserved + 20;
    const line = guide.split('\n').find((text) => text.includes(`= ${total} ≤ ${maxConnections}`));
    expect(line, `expected a line ending "= ${total} ≤ ${maxConnections}"`).toBeDefined();
    expect(line).toMatch(new RegExp(`${maxReplicas}\\s+×\\s+${config.server.workers}\\s+×\\s+${config.database.pool_size}\\s+\\+\\s+${reserved}\\b`));
  });
});
