import type { LineCounter, Node } from 'yaml';
import { yaml } from './yaml-module.js';
import type { ConfigProblem } from './config-error.js';

export interface YamlSource {
  /** Plain data; duplicate top-level sections (the seed repeats `monitoring:`) are deep-merged. */
  data: Record<string, unknown>;
  /** Line/column (1-based) of each dotted path's key, for error messages. */
  positions: Map<string, { line: number; column: number }>;
}

const BLOCK_INDICATOR_HINT =
  'a value starting with > or | begins a YAML block scalar; quote it, e.g. throughput: "> 1000 rps"';

/** Parses YAML text, returning data with source positions, or the syntax problems found. */
export function parseYamlSource(text: string): YamlSource | ConfigProblem[] {
  // No file (the built-in defaults): nothing to parse, and the YAML parser is not loaded.
  if (text.trim() === '') return { data: {}, positions: new Map() };
  const lineCounter = new (yaml().LineCounter)();
  const document = yaml().parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  if (document.errors.length > 0) {
    const lines = text.split(/\r?\n/);
    return document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      const sourceLine = lines[position.line - 1] ?? '';
      const blockIndicator = /:\s*[>|]\s*[^\s#]/.test(sourceLine) || /^\s*[>|]\s*\S/.test(sourceLine);
      const message = blockIndicator ? `${BLOCK_INDICATOR_HINT} (YAML said: ${firstLine(error.message)})` : `YAML syntax: ${firstLine(error.message)}`;
      return { path: '', message, line: position.line, column: position.col };
    });
  }
  const positions = new Map<string, { line: number; column: number }>();
  const root = document.contents;
  if (root === null || root === undefined || (yaml().isScalar(root) && (root.value === null || root.value === ''))) {
    return { data: {}, positions };
  }
  if (!yaml().isMap(root)) {
    return [{ path: '', message: 'the top level must be a mapping of sections (providers:, caching:, …)', line: 1, column: 1 }];
  }
  const data = toData(root, [], positions, lineCounter) as Record<string, unknown>;
  return { data, positions };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function toData(node: Node | null | undefined, path: string[], positions: YamlSource['positions'], lineCounter: LineCounter): unknown {
  if (node === null || node === undefined) return null;
  if (yaml().isMap(node)) {
    const result: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!yaml().isPair(pair)) continue;
      const key = yaml().isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const childPath = [...path, key];
      const keyNode = pair.key as Node | null;
      if (keyNode?.range && !positions.has(childPath.join('.'))) {
        const position = lineCounter.linePos(keyNode.range[0]);
        positions.set(childPath.join('.'), { line: position.line, column: position.col });
      }
      const value = toData(pair.value as Node | null, childPath, positions, lineCounter);
      result[key] = key in result ? deepMerge(result[key], value) : value;
    }
    return result;
  }
  if (yaml().isSeq(node)) {
    return node.items.map((item, index) => {
      const childPath = [...path, String(index)];
      const itemNode = item as Node | null;
      if (itemNode?.range) {
        const position = lineCounter.linePos(itemNode.range[0]);
        positions.set(childPath.join('.'), { line: position.line, column: position.col });
      }
      return toData(itemNode, childPath, positions, lineCounter);
    });
  }
  if (yaml().isScalar(node)) return node.value;
  return node.toJSON();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) result[key] = key in result ? deepMerge(result[key], value) : value;
  return result;
}
