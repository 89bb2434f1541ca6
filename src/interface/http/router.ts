/**
 * A static route table: exact paths in a Map (one lookup per request), `:param` routes matched
 * segment by segment only when no exact path matches. HEAD is answered by the GET route.
 */

export interface RoutableRoute {
  method: string;
  path: string;
}

export type RouteLookup<R> =
  | { kind: 'found'; route: R; params: Readonly<Record<string, string>> }
  /** The path exists but not for this method; `allow` is the `Allow` header value. */
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'not_found' };

interface PathEntry<R> {
  byMethod: Map<string, R>;
  allow: string;
  /** Pre-built results for exact paths, so a hit allocates nothing. */
  found: Map<string, RouteLookup<R>>;
  notAllowed: RouteLookup<R>;
}

interface PatternEntry<R> {
  segments: string[];
  entry: PathEntry<R>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NOT_FOUND = { kind: 'not_found' } as const;

export interface Router<R> {
  lookup(method: string, path: string): RouteLookup<R>;
  /** `Allow` value for a path, or undefined when no route has it. */
  allowFor(path: string): string | undefined;
}

export function createRouter<R extends RoutableRoute>(routes: readonly R[]): Router<R> {
  const exact = new Map<string, PathEntry<R>>();
  const patterns: PatternEntry<R>[] = [];
  const grouped = new Map<string, R[]>();
  for (const route of routes) grouped.set(route.path, [...(grouped.get(route.path) ?? []), route]);

  for (const [path, group] of grouped) {
    const byMethod = new Map<string, R>();
    for (const route of group) {
      if (byMethod.has(route.method)) throw new Error(`duplicate route ${route.method} ${path}`);
      byMethod.set(route.method, route);
    }
    const get = byMethod.get('GET');
    if (get !== undefined) byMethod.set('HEAD', get);
    const allow = [...byMethod.keys(), 'OPTIONS'].join(', ');
    const found = new Map<string, RouteLookup<R>>();
    for (const [method, route] of byMethod) found.set(method, { kind: 'found', route, params: NO_PARAMS });
    const entry: PathEntry<R> = { byMethod, allow, found, notAllowed: { kind: 'method_not_allowed', allow } };
    if (path.includes('/:')) patterns.push({ segments: path.split('/'), entry });
    else exact.set(path, entry);
  }

  const matchPattern = (path: string): { entry: PathEntry<R>; params: Record<string, string> } | undefined => {
    if (patterns.length === 0) return undefined;
    const segments = path.split('/');
    for (const pattern of patterns) {
      if (pattern.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let index = 0; index < segments.length; index++) {
        const expected = pattern.segments[index]!;
        const actual = segments[index]!;
        if (expected.startsWith(':')) {
          if (actual === '') {
            matched = false;
            break;
          }
          params[expected.slice(1)] = actual;
        } else if (expected !== actual) {
          matched = false;
          break;
        }
      }
      if (matched) return { entry: pattern.entry, params };
    }
    return undefined;
  };

  return {
    lookup(method, path) {
      const entry = exact.get(path);
      if (entry !== undefined) return entry.found.get(method) ?? entry.notAllowed;
      const match = matchPattern(path);
      if (match === undefined) return NOT_FOUND;
      const route = match.entry.byMethod.get(method);
      return route === undefined ? match.entry.notAllowed : { kind: 'found', route, params: match.params };
    },
    allowFor(path) {
      return (exact.get(path) ?? matchPattern(path)?.entry)?.allow;
    },
  };
}
