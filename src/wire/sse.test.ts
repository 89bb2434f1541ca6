import { describe, expect, it } from 'vitest';
import { createSseParser, formatSseEvent } from './sse.js';
import type { SseEvent } from './wire-format.js';

function parseAll(chunks: string[]): SseEvent[] {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.feed(chunk));
  events.push(...parser.flush());
  return events;
}

/** Every way of cutting `text` in two, plus one chunk per character. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const STREAM = [
  ': keep-alive comment',
  'event: message_start',
  'data: {"type":"message_start"}',
  '',
  'data: first line',
  'data: second line',
  'id: 42',
  '',
  'event: ping',
  'data:no-space',
  'retry: 3000',
  '',
  'data',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start"}' },
  { data: 'first line\nsecond line', id: '42' },
  { event: 'ping', data: 'no-space', id: '42' },
  { data: '', id: '42' },
  { data: '[DONE]', id: '42' },
];

describe('createSseParser', () => {
  it('frames events with LF line ends at every chunk boundary', () => {
    for (const chunks of splits(STREAM)) expect(parseAll(chunks)).toEqual(EXPECTED);
  });

  it('frames events with CRLF line ends at every chunk boundary', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (const chunks of splits(crlf)) expect(parseAll(chunks)).toEqual(EXPECTED);
  });

  it('frames events with bare CR line ends at every chunk boundary', () => {
    const cr = STREAM.replace(/\n/g, '\r');
    for (const chunks of splits(cr)) expect(parseAll(chunks)).toEqual(EXPECTED);
  });

  it('treats a CR followed by LF in the next chunk as one line end', () => {
    expect(parseAll(['data: a\r', '\n\r', '\ndata: b\r\n\r\n'])).toEqual([{ data: 'a' }, { data: 'b' }]);
  });

  it('does not dispatch an event until its blank line arrives', () => {
    const parser = createSseParser();
    expect(parser.feed('data: x\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ data: 'x' }]);
  });

  it('ignores comment-only blocks and events without data', () => {
    expect(parseAll([': ping\n\nevent: empty\n\n'])).toEqual([]);
  });

  it('strips a leading byte-order mark once', () => {
    expect(parseAll(['\uFEFFdata: a\n\n'])).toEqual([{ data: 'a' }]);
    expect(parseAll(['\uFEFF', 'data: a\n\n'])).toEqual([{ data: 'a' }]);
  });

  it('keeps only one leading space of a value', () => {
    expect(parseAll(['data:  two spaces\n\n'])).toEqual([{ data: ' two spaces' }]);
  });

  it('ignores ids containing NUL and keeps the previous one', () => {
    expect(parseAll(['id: 1\ndata: a\n\nid: x\u0000y\ndata: b\n\n'])).toEqual([
      { data: 'a', id: '1' },
      { data: 'b', id: '1' },
    ]);
  });

  it('dispatches an unterminated final event on flush (lenient)', () => {
    expect(parseAll(['data: [DONE]'])).toEqual([{ data: '[DONE]' }]);
    expect(parseAll(['data: [DONE]\n'])).toEqual([{ data: '[DONE]' }]);
  });

  it('handles multi-byte text split anywhere in the string', () => {
    const text = 'data: {"text":"héllo — 世界 🚀"}\n\n';
    for (const chunks of splits(text)) expect(parseAll(chunks)).toEqual([{ data: '{"text":"héllo — 世界 🚀"}' }]);
  });

  it('frames bytes cut at every byte position when fed through a streaming TextDecoder', () => {
    const bytes = new TextEncoder().encode(`${STREAM.replace(/\n/g, '\r\n')}data: 世界 🚀\r\n\r\n`);
    const expected = [...EXPECTED, { data: '世界 🚀', id: '42' }];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new TextDecoder();
      const chunks = [
        decoder.decode(bytes.subarray(0, cut), { stream: true }),
        decoder.decode(bytes.subarray(cut), { stream: true }),
        decoder.decode(),
      ];
      expect(parseAll(chunks)).toEqual(expected);
    }
  });
});

describe('formatSseEvent', () => {
  it('writes event, id and one data line per line', () => {
    expect(formatSseEvent({ event: 'x', id: '7', data: 'a\nb' })).toBe('event: x\nid: 7\ndata: a\ndata: b\n\n');
    expect(formatSseEvent({ data: '[DONE]' })).toBe('data: [DONE]\n\n');
  });

  it('round-trips through the parser', () => {
    const events: SseEvent[] = [
      { event: 'content_block_delta', data: '{"a":1}' },
      { data: 'line1\nline2\n\nline4' },
      { data: '' },
    ];
    expect(parseAll([events.map(formatSseEvent).join('')])).toEqual(events);
  });
});
