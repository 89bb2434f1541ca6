import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LoggingOptions } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, stream };
}

const baseOptions: LoggingOptions = {
  levels: { root: 'info', providers: 'warn', quality: 'info', learning: 'warn', monitoring: 'error' },
  timestampFormat: 'rfc3339',
  sampling: { enabled: true, rate: 0.1, levels: ['debug', 'trace'] },
  filters: [
    { type: 'regex', pattern: 'health_check' },
    { type: 'rate_limit', limit: 3, windowMs: 60_000 },
  ],
  asyncLogging: false,
  bufferSizeBytes: 65536,
  flushIntervalMs: 1000,
};

describe('logger', () => {
  it('writes JSON with RFC 3339 timestamps and the component', () => {
    const { lines, stream } = capture();
    createLogger(baseOptions, stream).for('root').info({ requestId: 'r1' }, 'started');
    expect(lines[0]).toMatchObject({ level: 'info', component: 'root', requestId: 'r1', msg: 'started' });
    expect(String(lines[0]!.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('applies per-component levels', () => {
    const { lines, stream } = capture();
    const logger = createLogger(baseOptions, stream);
    logger.for('providers').info('provider chatter');
    logger.for('providers').warn('provider slow');
    logger.for('monitoring').warn('monitoring noise');
    expect(lines.map((line) => line.msg)).toEqual(['provider slow']);
  });

  it('samples debug lines at the configured rate and leaves info alone', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ ...baseOptions, levels: { ...baseOptions.levels, root: 'debug' }, filters: [] }, stream).for('root');
    for (let index = 0; index < 100; index++) logger.debug(`debug ${index}`);
    for (let index = 0; index < 5; index++) logger.info(`info ${index}`);
    expect(lines.filter((line) => line.level === 'debug')).toHaveLength(10);
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(5);
  });

  it('drops health checks and rate-limits a noisy line', () => {
    const { lines, stream } = capture();
    const logger = createLogger(baseOptions, stream).for('root');
    logger.info('GET /api/health health_check ok');
    for (let index = 0; index < 10; index++) logger.info('upstream slow');
    logger.info('something else');
    expect(lines.map((line) => line.msg)).toEqual(['upstream slow', 'upstream slow', 'upstream slow', 'something else']);
  });

  it('redacts API keys in messages, fields and errors', () => {
    const { lines, stream } = capture();
    const logger = createLogger(baseOptions, stream).for('root');
    const key = 'sk-proj-abcdefghijklmnop1234567890';
    logger.warn({ api_key: key, headers: { authorization: `Bearer ${key}` }, note: `used ${key}` }, `calling with ${key}`);
    logger.error({ err: new Error(`401 for key sk-ant-api03-secretsecretsecret`) }, 'failed');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('abcdefghijklmnop');
    expect(text).not.toContain('secretsecretsecret');
    expect(text).toContain('[REDACTED]');
  });

  it('include_stacktrace: an error keeps its (scrubbed) stack only when asked', () => {
    const off = capture();
    createLogger(baseOptions, off.stream).for('root').error({ err: new Error('boom sk-ant-api03-secretsecretsecret') }, 'failed');
    expect(off.lines[0]!.err).toEqual({ type: 'Error', message: 'boom [REDACTED]' });
    const on = capture();
    createLogger({ ...baseOptions, includeStacktrace: true }, on.stream).for('root').error({ err: new Error('boom sk-ant-api03-secretsecretsecret') }, 'failed');
    const stack = String((on.lines[0]!.err as { stack?: string }).stack);
    expect(stack).toContain('logger.test.ts');
    expect(stack).not.toContain('secretsecretsecret');
  });

  it('include_caller: each line names the file and line that logged it', () => {
    const off = capture();
    createLogger(baseOptions, off.stream).for('root').info('plain');
    expect(off.lines[0]).not.toHaveProperty('caller');
    const on = capture();
    createLogger({ ...baseOptions, includeCaller: true }, on.stream).for('quality').info('located');
    expect(String(on.lines[0]!.caller)).toMatch(/logging\/logger\.test\.ts:\d+$/);
  });

  it('format pretty: one human-readable line per entry, no JSON', () => {
    const text: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        text.push(String(chunk));
        callback();
      },
    });
    createLogger({ ...baseOptions, format: 'pretty' }, stream).for('quality').warn({ requestId: 'r1', ms: 12 }, 'slow answer');
    expect(text.join('')).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}\[quality\] slow answer requestId=r1 ms=12\n$/);
  });

  it('format unset: pretty on a terminal, JSON otherwise', () => {
    const written: string[] = [];
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, callback) {
          written.push(String(chunk));
          callback();
        },
      }),
      { isTTY: true },
    );
    createLogger({ ...baseOptions, format: undefined }, terminal).for('root').info('hello');
    expect(written.join('')).toMatch(/ INFO {2}hello\n$/);
    const pipe = capture();
    createLogger({ ...baseOptions, format: undefined }, pipe.stream).for('root').info('hello');
    expect(pipe.lines[0]).toMatchObject({ msg: 'hello', level: 'info' });
  });
});
