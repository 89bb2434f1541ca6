/**
 * Deterministic generator of malformed (and occasionally valid) requests for the fuzz test.
 * Seeded, so a failure names a case index that reproduces.
 */

export interface FuzzCase {
  kind: 'http';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawCase {
  kind: 'raw';
  bytes: Buffer;
}

export { createSeededRandom as createRandom } from '../../src/core/seeded-random.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const PATHS = [
  '/api/research',
  '/api/research/r-1',
  '/api/research/%E0%A4%A',
  '/api/research/' + 'x'.repeat(300),
  '/api/feedback',
  '/api/providers/status',
  '/api/cache/stats',
  '/api/health',
  '/api/health/ready',
  '/metrics',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/models',
  '/v1/models/gpt-4o',
  '/',
  '//api//research',
  '/api/../api/health',
  '/api/research/',
  '/api/research?q=%ZZ&limit=1e9&offset=-5&type[]=x',
  '/api/research?limit=999999999999&offset=18446744073709551616',
  '/api/research?q=' + encodeURIComponent('😀 ∑ 𝔘 \u0000'),
  '/v1/chat/completions?stream=true',
  '/%00',
  '/api/research/%2e%2e%2f%2e%2e',
  '/' + 'a/'.repeat(200),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'APPLICATION/JSON',
  '',
  ';;;',
];
const KEYS = ['Bearer key-admin', 'Bearer key-admin', 'Bearer key-admin', 'Bearer key-admin', 'Bearer key-admin', 'Bearer key-admin', 'Bearer key-admin', 'Bearer nope', 'Basic abc', 'Bearer ', 'bearer key-research', ''];
const UNICODE = ['😀', '\u0000', '\uffff', '\u202e', 'é', '𝔘', '\ud800', '\\', '"', '\n', 'ﷺ'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomString(random: () => number, max: number): string {
  const length = 5 + Math.floor(random() * max);
  let out = '';
  for (let index = 0; index < length; index++) {
    out += random() < 0.15 ? pick(random, UNICODE) : String.fromCharCode(32 + Math.floor(random() * 95));
  }
  return out;
}

function randomValue(random: () => number, depth: number): unknown {
  const roll = random();
  if (depth > 3 || roll < 0.2) return randomString(random, 20);
  if (roll < 0.3) return pick(random, [1e308, -1e308, 2 ** 64, -0, 0.1, 42, Number.MAX_SAFE_INTEGER + 2, 3.14159]);
  if (roll < 0.4) return pick(random, [true, false, null]);
  if (roll < 0.55) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const out: Record<string, unknown> = {};
  const keys = ['query', 'model', 'messages', 'role', 'content', 'rating', 'result_id', 'input', 'stream', 'type', '__proto__', 'constructor', randomString(random, 6)];
  for (let index = 0; index < 1 + Math.floor(random() * 4); index++) out[pick(random, keys)] = randomValue(random, depth + 1);
  return out;
}

/** Bodies close to valid ones with one thing wrong, so validation (not just parsing) is hit. */
function mutatedBody(random: () => number, path: string): unknown {
  const base: Record<string, unknown> = path.startsWith('/v1/chat')
    ? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }
    : path.startsWith('/v1/embeddings')
      ? { model: 'e', input: ['a'] }
      : path.startsWith('/api/feedback')
        ? { result_id: 'r-1', rating: 3 }
        : { query: 'what is fuzzing' };
  const keys = Object.keys(base);
  const roll = random();
  if (roll < 0.15) return base;
  const key = roll < 0.3 ? randomString(random, 6) : pick(random, keys);
  base[key] = randomValue(random, 0);
  if (random() < 0.2) base.stream = random() < 0.5;
  if (random() < 0.1) base.messages = [{ role: pick(random, ['user', 'tool', 'system', '', 'USER']), content: randomValue(random, 2) }];
  return base;
}

function body(random: () => number, path: string, limit: number): string | Buffer {
  const roll = random();
  if (roll < 0.35) return JSON.stringify(mutatedBody(random, path));
  if (roll < 0.45) {
    const text = JSON.stringify(mutatedBody(random, path));
    return text.slice(0, Math.floor(random() * text.length)); // truncated JSON
  }
  if (roll < 0.52) {
    const depth = 50 + Math.floor(random() * 5000);
    return '{"query":' + '['.repeat(depth) + ']'.repeat(random() < 0.5 ? depth : depth - 1) + '}';
  }
  if (roll < 0.58) return Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  if (roll < 0.63) return JSON.stringify({ query: 'x'.repeat(limit + Math.floor(random() * limit)) });
  if (roll < 0.7) return JSON.stringify(randomValue(random, 0));
  if (roll < 0.75) return '{"rating": 1' + '0'.repeat(400) + ', "result_id": "r-1"}';
  if (roll < 0.8) return '';
  if (roll < 0.85) return '{"query": "' + randomString(random, 200) + '"}';
  if (roll < 0.9) return '[' + '1,'.repeat(2000) + '1]';
  return randomString(random, 100);
}

const POST_PATHS = ['/api/research', '/api/feedback', '/v1/chat/completions', '/v1/embeddings'];

export function generateHttpCase(random: () => number, bodyLimit: number): FuzzCase {
  // Most cases aim at a real route with its own method, so they reach body and query validation.
  const path = random() < 0.6 ? pick(random, POST_PATHS) : pick(random, PATHS);
  const usual = POST_PATHS.includes(path) ? 'POST' : 'GET';
  const method = random() < 0.85 ? usual : pick(random, METHODS);
  const headers: Record<string, string> = {};
  const key = pick(random, KEYS);
  if (key !== '') headers.authorization = key;
  if (random() < 0.2) headers['x-api-key'] = pick(random, ['key-admin', 'x'.repeat(1000), '']);
  const contentType = random() < 0.75 ? 'application/json' : pick(random, CONTENT_TYPES);
  if (contentType !== '') headers['content-type'] = contentType;
  if (random() < 0.2) headers['x-request-id'] = pick(random, ['ok-id', 'x'.repeat(500), 'bad id', '…']).replace('…', 'a:b');
  if (random() < 0.1) headers.origin = pick(random, ['https://app.example.com', 'null', 'https://evil.example']);
  if (random() < 0.1) headers['cache-control'] = pick(random, ['no-store', 'no-cache', 'max-age=abc']);
  if (random() < 0.05) headers['access-control-request-method'] = 'POST';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return { kind: 'http', method, path, headers, ...(hasBody ? { body: body(random, path, bodyLimit) } : {}) };
}

const RAW = [
  'GARBAGE\r\n\r\n',
  'GET / HTTP/9.9\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n',
  'POST /api/research HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":"short"}',
  'POST /api/research HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /api/research HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nhost: x\r\nx-\u0001: y\r\n\r\n',
  'GET /\u0000 HTTP/1.1\r\nhost: x\r\n\r\n',
  'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer key-admin\r\ncontent-type: application/json\r\ncontent-length: -1\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nhost: x\r\n\r\nGET /api/health HTTP/1.1\r\n\r\nXYZ',
  '\r\n\r\n\r\n',
  'GET /api/health HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab',
];

export function generateRawCase(random: () => number): RawCase {
  if (random() < 0.3) {
    return { kind: 'raw', bytes: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256))) };
  }
  return { kind: 'raw', bytes: Buffer.from(pick(random, RAW), 'latin1') };
}
