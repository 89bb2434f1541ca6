import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envPairs, parseDockerfile, parseInstructions, type Instruction, type Stage } from './dockerfile-parser.js';
import type { DeploymentSpec } from './kubernetes-shapes.js';
import { DEPLOY_DIR, KUBERNETES_DIR, REPO_DIR, findObject, readManifests } from './manifest-files.js';

const dockerfile = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'));
const ignoreLines = readFileSync(join(DEPLOY_DIR, 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const build = dockerfile.stages.find((stage) => stage.name === 'build');
const runtime = dockerfile.stages.at(-1)!;

const all = (stage: Stage | undefined, keyword: string): Instruction[] => (stage?.instructions ?? []).filter((instruction) => instruction.keyword === keyword);
const runs = (stage: Stage | undefined) => all(stage, 'RUN').map((instruction) => instruction.argument).join('\n');
const execForm = (instruction: Instruction | undefined): unknown => JSON.parse(instruction?.argument ?? 'null');

// Docker's ignore-file globs: a double star and slash is any number of directories, a star stays within one segment.
function globToRegExp(pattern: string): RegExp {
  const segment = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  const body = pattern.replace(/\/$/, '').split('**/').map(segment).join('(?:.*/)?');
  return new RegExp(`^${body}(?:/.*)?$`);
}

/** Last match wins, as in Docker: `*` drops everything, `!path` lets it back in. */
function includedInContext(path: string): boolean {
  let included = true;
  for (const line of ignoreLines) {
    const negated = line.startsWith('!');
    if (globToRegExp(negated ? line.slice(1) : line).test(path)) included = negated;
  }
  return included;
}

describe('parser', () => {
  it('joins continuations and skips comments', () => {
    const instructions = parseInstructions('# c\nRUN a \\\n  # inside\n  && b\nUSER 1000\n');
    expect(instructions.map((instruction) => [instruction.keyword, instruction.argument])).toEqual([
      ['RUN', 'a && b'],
      ['USER', '1000'],
    ]);
  });
});

describe('deploy/Dockerfile', () => {
  it('has a build stage and a separate runtime stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime.name).toBe('runtime');
  });

  it('pins every base image to a version tag, never latest', () => {
    for (const stage of dockerfile.stages) {
      const [, tag] = stage.image.split('@')[0]!.split(':');
      expect(tag, stage.image).toBeDefined();
      expect(tag).not.toBe('latest');
      expect(tag).toMatch(/^\d/);
      expect(stage.image).toMatch(/^node:20\b/); // engines: node >= 20.18
    }
  });

  it('builds with the node-gyp toolchain: npm ci, npm run build, npm prune --omit=dev', () => {
    const script = runs(build);
    for (const tool of ['python3', 'make', 'g++']) expect(script).toContain(tool);
    expect(script).toMatch(/npm ci\b/);
    expect(script.indexOf('npm run build')).toBeLessThan(script.indexOf('npm prune --omit=dev'));
  });

  it('ships only dist, production node_modules and package metadata, without a compiler', () => {
    const copies = all(runtime, 'COPY').map((instruction) => instruction.argument);
    expect(copies.every((argument) => argument.startsWith('--from=build '))).toBe(true);
    const sources = copies.flatMap((argument) => argument.split(/\s+/).slice(1, -1));
    expect(sources.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package-lock.json', '/app/package.json']);
    expect(runs(runtime)).not.toMatch(/\b(g\+\+|make|python3|npm (ci|install))\b/);
  });

  it('runs as uid 1000, the same user the Deployment asks for', () => {
    const users = all(runtime, 'USER');
    expect(users.at(-1)?.argument).toBe('1000:1000');
    const lastRun = Math.max(...all(runtime, 'RUN').map((instruction) => instruction.line));
    expect(users.at(-1)!.line).toBeGreaterThan(lastRun);
    const manifests = readManifests([join(KUBERNETES_DIR, 'base', 'deployment.yaml')]);
    const pod = (findObject(manifests, 'Deployment').spec as unknown as DeploymentSpec).template.spec;
    expect(pod.securityContext?.runAsUser).toBe(1000);
  });

  it('sets NODE_ENV=production and MALLOC_ARENA_MAX=2', () => {
    const env = Object.assign({}, ...all(runtime, 'ENV').map((instruction) => envPairs(instruction.argument))) as Record<string, string>;
    expect(env).toMatchObject({ NODE_ENV: 'production', MALLOC_ARENA_MAX: '2', FORTITUDE_PORT: '8080' });
  });

  it('exposes 8080, checks /api/health, runs tini as PID 1 and serves dist/main.js', () => {
    expect(all(runtime, 'EXPOSE').map((instruction) => instruction.argument)).toEqual(['8080']);
    const healthcheck = all(runtime, 'HEALTHCHECK')[0]?.argument ?? '';
    expect(healthcheck).toContain('/api/health');
    expect(healthcheck).toMatch(/--timeout=\d+s/);
    expect(execForm(all(runtime, 'ENTRYPOINT')[0])).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(all(runtime, 'CMD')[0])).toEqual(['node', 'dist/main.js', 'serve']);
    const packageJson = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(packageJson.bin.fortitude).toBe('dist/main.js');
  });

  it('copies only files that exist and that the context allowlist lets through', () => {
    const sources = all(build, 'COPY')
      .filter((instruction) => !instruction.argument.startsWith('--from'))
      .flatMap((instruction) => instruction.argument.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(REPO_DIR, source)), source).toBe(true);
      expect(includedInContext(source), source).toBe(true);
    }
    for (const secretOrBulk of ['node_modules', 'dist', '.git', '.env', '.fortitude', 'reference_library', 'src/main.test.ts']) {
      expect(includedInContext(secretOrBulk), secretOrBulk).toBe(false);
    }
  });
});
