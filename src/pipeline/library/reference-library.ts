import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIMULATED_BANNER, type ResearchResult, type ResearchType } from '../../core/research.js';
import type { Storage } from '../../infrastructure/storage/storage.js';
import type { ResearchResultRecord } from '../../infrastructure/storage/repositories/research-results.js';
import type { LibraryItem } from '../fortitude.js';
import type { ResearchCacheContext, ResearchLibrary } from '../ports.js';
import { normaliseQuery } from '../../infrastructure/cache/cache-key.js';
import { rejectNul } from '../../core/text-input.js';
import { asStorageError } from '../../infrastructure/storage/storage-errors.js';

/**
 * Methods that read stored results take an optional `owner` (an API key name): given, only that
 * key's results exist for the caller (another key's id is `undefined`, as if never stored);
 * absent, every result. The facade decides who is restricted (`research.library_visibility`).
 * Database failures are `storage_error` (HTTP 503), naming the library.
 */
export interface ReferenceLibrary extends ResearchLibrary {
  /** Newest stored answer to this exact (normalised) question in this context, if younger than `maxAgeMs`. */
  findRecent(query: string, context: ResearchCacheContext, maxAgeMs: number): Promise<ResearchResult | undefined>;
  get(idOrSlug: string, owner?: string): Promise<ResearchResult | undefined>;
  list(options: { type?: ResearchType; limit: number; offset: number; owner?: string | undefined }): Promise<{ items: LibraryItem[]; total: number }>;
  search(options: { q: string; type?: ResearchType; limit: number; offset: number; owner?: string | undefined }): Promise<{ items: LibraryItem[]; total: number }>;
}

const UNREACHABLE = 'the reference library is unavailable: the database is unreachable; retry later';

interface StoredMetadata {
  simulated?: boolean;
  attempts?: ResearchResult['attempts'];
  crossValidation?: ResearchResult['crossValidation'];
  timings?: ResearchResult['timings'];
}

/**
 * The reference library: every result is a row (with its quality metrics and query pattern)
 * and a Markdown file under `reference_library/<type>/<slug>.md`.
 */
export function createReferenceLibrary(storage: Storage, options: { exportDir: string | undefined }): ReferenceLibrary {
  /** Export folders known to exist: one `mkdir` per research type, not per save. */
  const folders = new Set<string>();
  return {
    async save(result) {
      const metadata: StoredMetadata = {
        simulated: result.simulated,
        ...(result.attempts ? { attempts: result.attempts } : {}),
        ...(result.crossValidation ? { crossValidation: result.crossValidation } : {}),
      };
      const insertResult = storage.researchResults.insert({
        id: result.id,
        createdAt: Date.parse(result.createdAt),
        query: result.query,
        normalizedQuery: normaliseQuery(result.query),
        researchType: result.classification.researchType.value,
        classification: result.classification,
        answer: result.answer,
        sections: result.sections.map((section) => ({ title: section.heading, content: section.body })),
        provider: result.provider,
        model: result.model,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: result.costUsd,
        quality: result.quality,
        timings: { ...result.timings },
        userId: result.user ?? null,
        slug: result.slug,
        metadata: metadata as Record<string, unknown>,
      });
      const notStored = asStorageError(`research result not stored: ${UNREACHABLE}`);
      await insertResult.catch(notStored);
      await storage.qualityMetrics.insert({
        resultId: result.id,
        provider: result.provider,
        model: result.model,
        researchType: result.classification.researchType.value,
        compositeScore: result.quality.composite,
        dimensionScores: result.quality.dimensions,
        source: 'evaluator',
      }).catch(asStorageError(UNREACHABLE));
      if (result.crossValidation) {
        await storage.qualityMetrics.insert({
          resultId: result.id,
          provider: result.crossValidation.provider,
          model: 'cross-validation',
          researchType: result.classification.researchType.value,
          compositeScore: result.crossValidation.agreement,
          dimensionScores: { agreement: result.crossValidation.agreement },
          source: 'cross_validation',
        }).catch(asStorageError(UNREACHABLE));
      }
      if (options.exportDir) await exportMarkdown(options.exportDir, result, folders);
    },

    async findRecent(query, context, maxAgeMs) {
      const record = await storage.researchResults
        .findLatest(normaliseQuery(query), {
          researchType: context.researchType,
          audience: context.audience,
          domain: context.domain,
          userId: context.namespace === 'default' ? null : context.namespace,
          since: Date.now() - maxAgeMs,
        })
        .catch(asStorageError(UNREACHABLE));
      return record ? toResult(record) : undefined;
    },

    async get(idOrSlug, owner) {
      rejectNul('id', idOrSlug);
      const key = idOrSlug.trim();
      const visible = (record: ResearchResultRecord | undefined) => (record && (owner === undefined || record.userId === owner) ? record : undefined);
      const find = async () => {
        let record = visible(await storage.researchResults.getById(key)) ?? visible(await storage.researchResults.getBySlug(key));
        if (!record && /^[0-9a-f-]{4,35}$/i.test(key)) {
          // An id prefix, as `fortitude list` shows: resolve only when it is unambiguous.
          const candidates = (await storage.researchResults.list({ limit: 500, ...(owner === undefined ? {} : { userId: owner }) })).filter((item) =>
            item.id.startsWith(key.toLowerCase()),
          );
          if (candidates.length === 1) record = candidates[0];
        }
        return record;
      };
      const record = await find().catch(asStorageError(UNREACHABLE));
      return record ? toResult(record) : undefined;
    },

    async list(options) {
      const filter = { ...(options.type ? { type: options.type } : {}), ...(options.owner === undefined ? {} : { userId: options.owner }) };
      const [records, total] = await Promise.all([
        storage.researchResults.list({ ...filter, limit: options.limit, offset: options.offset }),
        storage.researchResults.count(filter),
      ]).catch(asStorageError(UNREACHABLE));
      return { items: records.map(toItem), total };
    },

    async search(options) {
      rejectNul('q', options.q);
      const filter = {
        ...(options.type ? { type: options.type } : {}),
        ...(options.owner === undefined ? {} : { userId: options.owner }),
        match: 'any' as const,
      };
      const hits = await storage.researchResults
        .search(options.q, { ...filter, limit: options.limit, offset: options.offset })
        .catch(asStorageError(UNREACHABLE));
      const items = hits.map((hit) => ({ ...toItem(hit), score: hit.score }));
      // A first page that is not full holds every match; otherwise (or past the end) count them.
      const total =
        options.offset === 0 && hits.length < options.limit
          ? hits.length
          : await storage.researchResults.countMatches(options.q, filter).catch(asStorageError(UNREACHABLE));
      return { items, total };
    },
  };
}

function toItem(record: ResearchResultRecord): LibraryItem {
  return {
    id: record.id,
    createdAt: record.createdAt,
    query: record.query,
    researchType: record.researchType,
    provider: record.provider,
    model: record.model,
    qualityComposite: record.qualityComposite,
    costUsd: record.costUsd,
    slug: record.slug,
  };
}

function toResult(record: ResearchResultRecord): ResearchResult {
  const metadata = (record.metadata ?? {}) as StoredMetadata;
  const timings = (record.timings ?? {}) as Partial<ResearchResult['timings']>;
  return {
    id: record.id,
    createdAt: new Date(record.createdAt).toISOString(),
    query: record.query,
    classification: record.classification ?? {
      researchType: { value: record.researchType, confidence: 1, signals: ['stored'] },
      audience: { value: record.audience ?? 'intermediate', confidence: 0, signals: [] },
      domain: { value: record.domain ?? 'general', confidence: 0, signals: [] },
      urgency: { value: record.urgency ?? 'planned', confidence: 0, signals: [] },
    },
    answer: record.answer,
    sections: (record.sections ?? []).map((section) => ({ heading: section.title, body: section.content })),
    provider: record.provider,
    model: record.model,
    simulated: metadata.simulated ?? false,
    usage: { inputTokens: record.inputTokens, outputTokens: record.outputTokens },
    costUsd: record.costUsd,
    quality: record.quality ?? { composite: record.qualityComposite ?? 0, dimensions: {}, issues: [] },
    cache: { kind: 'miss' },
    timings: { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 0, ...timings },
    ...(metadata.crossValidation ? { crossValidation: metadata.crossValidation } : {}),
    ...(metadata.attempts ? { attempts: metadata.attempts } : {}),
    slug: record.slug ?? record.id,
    ...(record.userId ? { user: record.userId } : {}),
  };
}

/**
 * Writes the result as Markdown; atomic (temp file + rename) so readers never see half a file.
 * `folders` holds the folders already made; one removed meanwhile is made again and the write retried.
 */
async function exportMarkdown(root: string, result: ResearchResult, folders: Set<string>): Promise<void> {
  const directory = join(root, result.classification.researchType.value);
  if (!folders.has(directory)) {
    await mkdir(directory, { recursive: true });
    folders.add(directory);
  }
  const c = result.classification;
  const front = [
    '---',
    `id: ${result.id}`,
    // JSON escapes \n and \r but not U+2028/U+2029, which some YAML readers take as line breaks.
    `query: ${JSON.stringify(result.query).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}`,
    `research_type: ${c.researchType.value}`,
    `audience: ${c.audience.value}`,
    `domain: ${c.domain.value}`,
    `urgency: ${c.urgency.value}`,
    `provider: ${result.provider}`,
    `model: ${result.model}`,
    `simulated: ${result.simulated}`,
    `quality: ${result.quality.composite.toFixed(3)}`,
    `cost_usd: ${result.costUsd}`,
    `created_at: ${result.createdAt}`,
    '---',
    '',
  ];
  // The query is the caller's text: on one line, so it cannot start headings, quotes or front matter.
  const body = [`# ${result.query.replace(/[\s\u2028\u2029]+/g, ' ').trim()}`, '', ...(result.simulated ? [`> ${SIMULATED_BANNER}`, ''] : []), result.answer.trim(), ''];
  const path = join(directory, `${result.slug}.md`);
  const temporary = `${path}.${process.pid}.tmp`;
  const text = [...front, ...body].join('\n');
  try {
    await writeFile(temporary, text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(directory, { recursive: true });
    await writeFile(temporary, text);
  }
  await rename(temporary, path);
}
