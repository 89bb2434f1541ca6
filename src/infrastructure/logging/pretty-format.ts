const LEVEL_LABEL: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};

const OMITTED = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname']);

/**
 * One pino JSON line → one human-readable line: `12:03:04.123 INFO  [root] message key=value …`,
 * with an error's stack (when logged) on the following lines. A line that is not JSON passes
 * through unchanged. pino-pretty is not a dependency; this covers what an operator reads on a terminal.
 */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = LEVEL_LABEL[String(record.level)] ?? String(record.level ?? '').toUpperCase();
  const component = record.component && record.component !== 'root' ? ` [${String(record.component)}]` : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (OMITTED.has(key) || value === undefined) continue;
    if ((key === 'err' || key === 'error') && value && typeof value === 'object') {
      const error = value as { message?: unknown; stack?: unknown; type?: unknown };
      fields.push(`${key}=${JSON.stringify(String(error.message ?? error.type ?? ''))}`);
      if (typeof error.stack === 'string' && error.stack) stack = `\n    ${error.stack.split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' && /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value)}`);
  }
  return `${time} ${level}${component} ${String(record.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}

/** Wraps a destination so pino's JSON lines reach it pretty-printed (its flush/close still reach it). */
export function prettyDestination(target: { write(chunk: string): unknown; flushSync?(): void }): { write(chunk: string): unknown; flushSync(): void } {
  return {
    write(chunk: string) {
      let out = '';
      for (const line of chunk.split('\n')) if (line) out += prettyLine(line);
      return target.write(out);
    },
    flushSync() {
      target.flushSync?.();
    },
  };
}
