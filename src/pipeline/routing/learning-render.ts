import type { ReportFormat } from '../budget/analysis/render.js';
import { renderCsv, renderJson, renderTable } from '../budget/analysis/render.js';
import type { LearningStatus } from './router.js';

/** `fortitude learning status`: estimates per provider × research type, model evidence, recent adaptations. */
export function renderLearningStatus(status: LearningStatus, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(status);
  const head = ['research type', 'rank', 'provider', 'score', 'calls', 'availability', 'latency ms', 'USD / call', 'quality', 'quality scores'];
  const rows = status.estimates.map((entry) => [
    entry.researchType,
    entry.rank ?? '',
    entry.provider,
    entry.score === undefined ? '' : entry.score.toFixed(3),
    entry.samples,
    entry.availability.toFixed(3),
    Math.round(entry.latencyMs),
    entry.costUsd.toFixed(5),
    entry.quality.toFixed(3),
    entry.qualitySamples,
  ]);
  if (format === 'csv') return renderCsv(head, rows);
  const sections = [`Strategy: ${status.strategy}`, renderTable(head, rows)];
  if (status.models.length > 0) {
    sections.push(renderTable(['provider', 'research type', 'model', 'quality', 'scores'], status.models.map((entry) => [entry.provider, entry.researchType, entry.model, entry.quality.toFixed(3), entry.samples])));
  }
  const adaptations = status.history ?? status.adaptations.map((entry) => ({ learningType: entry.learningType, subject: entry.subject, confidence: entry.confidence, createdAt: entry.at, after: entry.after }));
  if (adaptations.length > 0) {
    sections.push(
      renderTable(
        ['when', 'adaptation', 'subject', 'confidence', 'now'],
        adaptations.map((entry) => [new Date(entry.createdAt).toISOString(), entry.learningType, entry.subject, entry.confidence.toFixed(2), summarise(entry.after)]),
      ),
    );
  } else sections.push('No adaptations yet.');
  return sections.join('\n') + '\n';
}

function summarise(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  const record = value as Record<string, unknown>;
  for (const key of ['provider', 'model']) if (typeof record[key] === 'string') return `${key} ${record[key] as string}`;
  return JSON.stringify(value).slice(0, 60);
}
