import { describe, expect, it } from 'vitest';
import { renderLibraryTable, terminalSafe } from './render.js';

describe('terminalSafe', () => {
  it('shows control characters and bidirectional overrides as escapes, keeping newlines and tabs', () => {
    expect(terminalSafe('rm -rf \u202Efdp.exe')).toBe('rm -rf \\u{202e}fdp.exe');
    expect(terminalSafe('\x1b]0;pwned\x07title')).toBe('\\u{1b}]0;pwned\\u{7}title');
    expect(terminalSafe('line one\nline\ttwo')).toBe('line one\nline\ttwo');
    expect(terminalSafe('naïve 日本語 ✓')).toBe('naïve 日本語 ✓');
  });

  it('is applied to the stored queries `list` and `search` print', () => {
    const table = renderLibraryTable(
      [{ id: 'abcdef0123', createdAt: Date.UTC(2026, 11, 8), researchType: 'learning', qualityComposite: 0.8, provider: 'openai', query: 'What is \u202Egnp.exe?' } as never],
      1,
    );
    expect(table).not.toContain('\u202E');
    expect(table).toContain('\\u{202e}');
  });
});
