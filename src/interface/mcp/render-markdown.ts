import type { Classification, ResearchResult } from '../../core/research.js';
import type { LibraryItem, LibraryPage } from '../../pipeline/fortitude.js';

/** Markdown for MCP clients (and the models reading it): the answer first, facts in one footer. */

export const LIBRARY_INDEX_URI = 'fortitude://library';

export const SIMULATED_NOTICE =
  "> **Simulated answer.** Produced by Fortitude's built-in simulator, not a real LLM: configure a provider API key for real answers; do not rely on this text.";

export function resultUri(id: string): string {
  return `${LIBRARY_INDEX_URI}/${encodeURIComponent(id)}`;
}

/**
 * One research result. `heading` adds the query as a title and the classification, for reading
 * the result on its own (get_result, resources); the research tool's answer goes without.
 */
export function renderResultMarkdown(result: ResearchResult, options: { heading: boolean }): string {
  const parts: string[] = [];
  if (options.heading) parts.push(`# ${oneLine(result.query)}`);
  if (result.simulated) parts.push(SIMULATED_NOTICE);
  parts.push(result.answer.trim());
  parts.push(['---', ...resultFacts(result, options.heading)].join('\n'));
  return parts.join('\n\n') + '\n';
}

function resultFacts(result: ResearchResult, withClassification: boolean): string[] {
  const cache = result.cache.kind === 'exact' || result.cache.kind === 'semantic' ? `${result.cache.kind} hit (similarity ${result.cache.similarity.toFixed(2)})` : result.cache.kind;
  const facts = [
    `- Result: \`${result.id}\` (${resultUri(result.id)}), ${result.createdAt}`,
    `- Provider: ${result.provider} / ${result.model}${result.simulated ? ' (simulated)' : ''}; cache: ${cache}`,
    `- Quality: ${result.quality.composite.toFixed(2)}${result.quality.issues.length > 0 ? ` (issues: ${result.quality.issues.join(', ')})` : ''}`,
    `- Cost: $${result.costUsd.toFixed(4)}; tokens: ${result.usage.inputTokens} in, ${result.usage.outputTokens} out; time: ${Math.round(result.timings.totalMs)} ms`,
  ];
  if (withClassification) facts.splice(1, 0, `- Classification: ${classificationLine(result.classification)}`);
  if (result.crossValidation !== undefined) {
    facts.push(`- Cross-validated with ${result.crossValidation.provider}: agreement ${result.crossValidation.agreement.toFixed(2)}`);
  }
  if (result.attempts !== undefined && result.attempts.length > 0) {
    facts.push(`- Tried first: ${result.attempts.map((attempt) => `${attempt.provider} (${attempt.outcome})`).join(', ')}`);
  }
  facts.push(`- Rate it: call \`feedback\` with result_id "${result.id}"`);
  return facts;
}

function classificationLine(classification: Classification): string {
  const { researchType, audience, domain, urgency } = classification;
  return `${researchType.value} · ${audience.value} · ${domain.value} · ${urgency.value}`;
}

export function renderClassificationMarkdown(classification: Classification): string {
  const rows = (['researchType', 'audience', 'domain', 'urgency'] as const).map((key) => {
    const dimension = classification[key];
    const signals = dimension.signals.length > 0 ? dimension.signals.join(', ') : 'no strong signals';
    return `- **${DIMENSION_LABEL[key]}**: ${dimension.value} (confidence ${dimension.confidence.toFixed(2)}; ${signals})`;
  });
  return rows.join('\n') + '\n';
}

const DIMENSION_LABEL = { researchType: 'Research type', audience: 'Audience', domain: 'Domain', urgency: 'Urgency' } as const;

/** A page of the library as a numbered list with ids and resource URIs, plus how to get the next page. */
export function renderLibraryPageMarkdown(page: LibraryPage, options: { query?: string; offset: number }): string {
  const subject = options.query === undefined ? 'stored results, newest first' : `results for "${oneLine(options.query)}"`;
  if (page.items.length === 0) {
    return options.offset > 0 && page.total > 0
      ? `No ${subject} at offset ${options.offset} (there are ${page.total}).\n`
      : `No ${subject}.\n`;
  }
  const first = options.offset + 1;
  const last = options.offset + page.items.length;
  const lines = [`${subject[0]!.toUpperCase()}${subject.slice(1)}: ${first}–${last} of ${page.total}.`, ''];
  page.items.forEach((item, index) => lines.push(`${first + index}. ${summaryLine(item)}`));
  if (last < page.total) lines.push('', `More: call again with offset ${last}.`);
  return lines.join('\n') + '\n';
}

export function summaryLine(item: LibraryItem): string {
  const quality = item.qualityComposite === null ? 'unscored' : `quality ${item.qualityComposite.toFixed(2)}`;
  const date = new Date(item.createdAt).toISOString().slice(0, 10);
  return `**${oneLine(item.query)}** — ${item.researchType} · ${quality} · ${item.provider}/${item.model} · ${date} · id \`${item.id}\` (${resultUri(item.id)})`;
}

/** A JSON value for reading: a fenced block. */
export function renderJsonMarkdown(title: string, value: unknown): string {
  return `${title}\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n`;
}

/** Queries are user text: keep list items and headings on one line, and bounded. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`;
}
