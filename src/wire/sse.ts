import type { SseEvent } from './wire-format.js';

/**
 * Incremental Server-Sent Events framing, after the WHATWG "event stream interpretation"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * LF, CRLF and CR line ends (a CRLF split across two chunks is one line end), multi-line
 * `data:`, `event:`, `id:` (persisting as the last event id), `retry:` ignored, `:` comments
 * ignored, a leading BOM stripped, one space after the colon removed.
 *
 * One deliberate leniency: `flush()` dispatches an event whose terminating blank line never
 * came (the spec discards it). Some OpenAI-compatible servers end with `data: [DONE]\n` and no
 * blank line; the wire decoders, not the framing, decide whether a stream is complete.
 */
export interface SseParser {
  /** Feeds decoded text; returns the events completed by it, in order. */
  feed(chunk: string): SseEvent[];
  /** Call once when the byte stream ends; returns a final unterminated event, if any. */
  flush(): SseEvent[];
}

const LINE_END = /\r\n|\r|\n/g;

export function createSseParser(): SseParser {
  let buffer = '';
  let started = false;
  /** The previous chunk ended in CR: a LF starting the next chunk belongs to that line end. */
  let skipLeadingLf = false;
  let data = '';
  let hasData = false;
  let eventType: string | undefined;
  let lastEventId: string | undefined;

  function dispatch(out: SseEvent[]): void {
    if (hasData) {
      const event: SseEvent = { data };
      if (eventType !== undefined && eventType !== '') event.event = eventType;
      if (lastEventId !== undefined && lastEventId !== '') event.id = lastEventId;
      out.push(event);
    }
    data = '';
    hasData = false;
    eventType = undefined;
  }

  function processLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        data = hasData ? `${data}\n${value}` : value;
        hasData = true;
        break;
      case 'event':
        eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      default:
        // `retry` and unknown fields are ignored, as the spec says.
        break;
    }
  }

  return {
    feed(chunk: string): SseEvent[] {
      const out: SseEvent[] = [];
      if (chunk === '') return out;
      let text = chunk;
      if (skipLeadingLf) {
        skipLeadingLf = false;
        if (text.charCodeAt(0) === 10) text = text.slice(1);
      }
      if (!started && text !== '') {
        started = true;
        if (buffer === '' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      buffer = buffer === '' ? text : buffer + text;
      LINE_END.lastIndex = 0;
      let start = 0;
      let match: RegExpExecArray | null;
      while ((match = LINE_END.exec(buffer)) !== null) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (match[0] === '\r' && match.index === buffer.length - 1) skipLeadingLf = true;
        processLine(buffer.slice(start, match.index), out);
        start = match.index + match[0].length;
      }
      buffer = start === 0 ? buffer : buffer.slice(start);
      return out;
    },
    flush(): SseEvent[] {
      const out: SseEvent[] = [];
      if (buffer !== '') processLine(buffer, out);
      buffer = '';
      dispatch(out);
      return out;
    },
  };
}

/**
 * Serialises one event in the canonical form (LF line ends, one `data:` line per data line,
 * terminated by a blank line). Used by the simulator and the HTTP interface.
 */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  const data = event.data;
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `${out}data: ${data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
