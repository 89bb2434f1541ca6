import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY_DIR = join(REPO_DIR, 'deploy');
export const KUBERNETES_DIR = join(DEPLOY_DIR, 'kubernetes');

/** A Kubernetes object as read from YAML: only what the tests look at is typed. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

export interface Manifest {
  /** Path relative to the repository, for messages. */
  file: string;
  object: KubernetesObject;
}

/** Every `*.yaml` under `dir`, recursively, sorted. */
export function yamlFilesUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Parses every document of a YAML stream; a syntax error throws with the file name. */
export function parseYamlStream(text: string, file: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    return document.toJS() as unknown;
  });
}

/** Files that are complete objects (not kustomizations, not strategic-merge patches). */
export function isManifestFile(path: string): boolean {
  return !path.endsWith('/kustomization.yaml') && !path.endsWith('-patch.yaml');
}

export function readManifests(files: readonly string[]): Manifest[] {
  return files.flatMap((path) => {
    const file = relative(REPO_DIR, path);
    return parseYamlStream(readFileSync(path, 'utf8'), file)
      .filter((document) => document !== null)
      .map((document) => ({ file, object: document as KubernetesObject }));
  });
}

export function findObject(manifests: readonly Manifest[], kind: string, name?: string): KubernetesObject {
  const found = manifests.filter((manifest) => manifest.object.kind === kind && (name === undefined || manifest.object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0]!.object;
}

/** True when `kubectl kustomize` can run here (it needs no cluster). */
export function hasKubectl(): boolean {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0;
}

/** Renders a kustomization with `kubectl kustomize`, offline. */
export function kustomize(dir: string): KubernetesObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseYamlStream(result.stdout, `kustomize ${dir}`) as KubernetesObject[];
}
