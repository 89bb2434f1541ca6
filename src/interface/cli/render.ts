import { newTable } from './table.js';
import { SIMULATED_BANNER, type ResearchResult } from '../../core/research.js';
import type { LibraryItem } from '../../pipeline/fortitude.js';

/**
 * Stored text as a terminal may show it: control characters (escape sequences could move the
 * cursor, rewrite lines or set the window title) and bidirectional overrides (U+202E shows
 * text reversed, hiding what it says) become visible `\u{…}` escapes. Newlines and tabs stay.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

export function renderResult(stored: ResearchResult): string {
  const result: ResearchResult = { ...stored, query: terminalSafe(stored.query), answer: terminalSafe(stored.answer) };
  const lines: string[] = [];
  if (result.simulated) lines.push(`⚠ ${SIMULATED_BANNER}`, '');
  const c = result.classification;
  lines.push(
    `# ${result.query}`,
    '',
    `type ${c.researchType.value} (${percent(c.researchType.confidence)}) · audience ${c.audience.value} · domain ${c.domain.value} · urgency ${c.urgency.value}`,
    '',
    result.answer.trim(),
    '',
    '---',
    `provider ${result.provider}${result.simulated ? ' (simulated)' : ''} · model ${result.model} · quality ${result.quality.composite.toFixed(2)}` +
      (result.quality.issues.length > 0 ? ` [${result.quality.issues.join(', ')}]` : '') +
      ` · cost $${result.costUsd.toFixed(6)} · tokens ${result.usage.inputTokens}→${result.usage.outputTokens}`,
    `cache ${result.cache.kind}${'similarity' in result.cache ? ` (${result.cache.similarity.toFixed(3)})` : ''} · ${result.timings.totalMs.toFixed(1)} ms total (classify ${result.timings.classifyMs.toFixed(2)}, provider ${result.timings.providerMs.toFixed(1)}, evaluate ${result.timings.qualityMs.toFixed(2)}, store ${result.timings.storeMs.toFixed(1)})`,
  );
  if (result.crossValidation) lines.push(`cross-validated with ${result.crossValidation.provider}: agreement ${result.crossValidation.agreement.toFixed(2)}`);
  if (result.attempts && result.attempts.length > 0) lines.push(`attempts: ${result.attempts.map((attempt) => `${attempt.provider} ${attempt.outcome}`).join('; ')}`);
  lines.push(`id ${result.id}`);
  return lines.join('\n');
}

export function renderLibraryTable(items: LibraryItem[], total: number, options: { withScore?: boolean } = {}): string {
  if (items.length === 0) return 'no results';
  const head = ['id', 'created', 'type', 'quality', 'provider', 'query'];
  if (options.withScore) head.push('score');
  const table = newTable({ head, style: { head: [], border: [] }, wordWrap: true, colWidths: [10, 18, 16, 9, 12, 50, ...(options.withScore ? [8] : [])] });
  for (const item of items) {
    const row = [
      item.id.slice(0, 8),
      new Date(item.createdAt).toISOString().slice(0, 16).replace('T', ' '),
      item.researchType,
      item.qualityComposite === null ? '—' : item.qualityComposite.toFixed(2),
      item.provider,
      terminalSafe(item.query),
    ];
    if (options.withScore) row.push(item.score === undefined ? '' : formatScore(item.score));
    table.push(row);
  }
  return `${table.toString()}\n${items.length} of ${total}`;
}

/**
 * A relevance score (SQLite: −bm25, PostgreSQL: ts_rank; higher ranks first). Three decimals
 * as a rule, but a hit is never shown as 0.000: in a small library bm25's IDF floor scores hits
 * around 1e-6, printed then as `1.6e-6`.
 */
export function formatScore(score: number): string {
  if (score === 0) return '0';
  return Math.abs(score) >= 0.001 ? score.toFixed(3) : score.toExponential(1);
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}
