import type { z } from 'zod';

/**
 * Finds the keys an object schema allows at a path, so an unknown key can be answered with
 * what is allowed and a "did you mean". Walks zod 4's public `def` through wrappers.
 */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === 'object') current = unwrap((def.shape as Record<string, z.ZodType>)[String(segment)]);
    else if (def.type === 'record') current = unwrap(def.valueType as z.ZodType);
    else if (def.type === 'array') current = unwrap(def.element as z.ZodType);
    else return undefined;
  }
  if (!current) return undefined;
  const def = defOf(current);
  return def.type === 'object' ? Object.keys(def.shape as object) : undefined;
}

/**
 * The zod type (`string`, `number`, `union`, …) of the value a schema expects at a path, once
 * defaults, optionals and transforms are unwrapped; undefined when the path leads nowhere.
 */
export function valueTypeAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === 'object') current = unwrap((def.shape as Record<string, z.ZodType>)[String(segment)]);
    else if (def.type === 'record') current = unwrap(def.valueType as z.ZodType);
    else return undefined;
  }
  return current ? defOf(current).type : undefined;
}

interface LooseDef {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: z.ZodType): LooseDef {
  return (schema as unknown as { _zod: { def: LooseDef } })._zod.def;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 20; depth++) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly')
      current = def.innerType as z.ZodType;
    else if (def.type === 'pipe') current = (defOf(def.in as z.ZodType).type === 'transform' ? def.out : def.in) as z.ZodType;
    else return current;
  }
  return current;
}

/** Closest candidate by edit distance, when close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
