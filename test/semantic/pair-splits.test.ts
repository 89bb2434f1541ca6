/**
 * Issue 19: the semantic cache's safety on questions it was not tuned on, over the pair sets
 * (test/fixtures/semantic/pairs-{train,dev,test}.jsonl) with the default threshold and verifier.
 * Floors and ceilings here are loose guards of the numbers in docs/semantic-cache.md, so a change
 * that serves wrong answers, or stops serving anything, fails.
 */

import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../src/infrastructure/cache/semantic/local-embedder.js';
import { auditSplitLabels, pairKey, sameEditLinks, type AuditPair } from '../fixtures/semantic/audit-labels.js';
import { baseCategory, evaluatePairs, loadAudit, loadSplit, summarisePairs } from './pair-splits-evaluation.js';

const embedder = createLocalEmbedder();

describe('pair splits', () => {
  it('are split by origin group, with every issue-19 category in each split', () => {
    const splits = { train: loadSplit('train'), dev: loadSplit('dev'), test: loadSplit('test') };
    const groups = Object.values(splits).map((pairs) => new Set(pairs.map((pair) => (pair as { group?: string }).group)));
    for (const group of groups[0]!) expect(groups[1]!.has(group) || groups[2]!.has(group)).toBe(false);
    for (const group of groups[1]!) expect(groups[2]!.has(group)).toBe(false);
    expect(Object.values(splits).reduce((total, pairs) => total + pairs.length, 0)).toBeGreaterThan(8000);
    for (const pairs of Object.values(splits)) {
      const categories = new Set(pairs.map((pair) => baseCategory(pair.category)));
      for (const category of ['paraphrase', 'question-word', 'modal', 'pronoun', 'subject-swap', 'entity', 'direction', 'added-constraint', 'dropped-constraint', 'negation', 'number']) {
        expect(categories, category).toContain(category);
      }
    }
  });

  it('serves at most 0.5 % of non-duplicates and at least 20 % of duplicates on the dev split (q1 cached, q2 asked)', async () => {
    const summary = summarisePairs(await evaluatePairs(loadSplit('dev'), embedder, { mode: 'pairwise' }));
    expect(summary.falseHits.rate).toBeLessThanOrEqual(0.005);
    expect(summary.falseHits.high).toBeLessThanOrEqual(0.01);
    expect(summary.recall.rate).toBeGreaterThanOrEqual(0.2);
  });

  it('with every q1 cached together, serves few first-time non-duplicates on the dev split, fewer than trying farther candidates', async () => {
    const dev = loadSplit('dev');
    const nearest = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'shared' }));
    const farther = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'shared', nearestOnly: false }));
    expect(nearest.falseHits.rate).toBeLessThanOrEqual(0.01);
    expect(nearest.falseHits.rate).toBeLessThan(farther.falseHits.rate);
    expect(nearest.recall.rate).toBeGreaterThanOrEqual(0.12);
  });

  it('is the verifier that does it: without it the same threshold serves most non-duplicates', async () => {
    const summary = summarisePairs(await evaluatePairs(loadSplit('dev'), embedder, { mode: 'pairwise', verification: false }));
    expect(summary.falseHits.rate).toBeGreaterThan(0.5);
  });

  it('the label audit links the same edit of two labelled duplicates, and nothing it cannot vouch for', () => {
    const pairs: AuditPair[] = [
      { q1: 'How do I print the first 10 lines of a file in Linux?', q2: 'How can I show the first 10 lines of a file on Linux?', duplicate: true },
      // first → last in both: linked.
      { q1: 'How do I print the first 10 lines of a file in Linux?', q2: 'How do I print the last 10 lines of a file in Linux?', duplicate: false, category: 'antonym' },
      { q1: 'How can I show the last 10 lines of a file on Linux?', q2: 'How can I show the first 10 lines of a file on Linux?', duplicate: false, category: 'antonym' },
      // 10 → 20 and 10 → 11: different edits, not linked.
      { q1: 'How do I print the first 10 lines of a file in Linux?', q2: 'How do I print the first 20 lines of a file in Linux?', duplicate: false, category: 'number' },
      { q1: 'How can I show the first 10 lines of a file on Linux?', q2: 'How can I show the first 11 lines of a file on Linux?', duplicate: false, category: 'number' },
      // A new question word need not keep "How do I" / "How can I" one question: not linked.
      { q1: 'How do I print the first 10 lines of a file in Linux?', q2: 'Why do I print the first 10 lines of a file in Linux?', duplicate: false, category: 'question-word' },
      { q1: 'How can I show the first 10 lines of a file on Linux?', q2: 'Why can I show the first 10 lines of a file on Linux?', duplicate: false, category: 'question-word' },
    ];
    const links = sameEditLinks(pairs);
    expect(links.map((link) => [link.q1, link.q2].sort())).toEqual([['How can I show the last 10 lines of a file on Linux?', 'How do I print the last 10 lines of a file in Linux?']]);
    expect(links[0]).toMatchObject({ duplicate: true, rule: 'same-edit', category: 'audit-antonym' });
    expect(links[0]!.reason).toContain('−"first" +"last"');
    // A reviewer's "different" verdict removes a link.
    const veto = { split: 'x', q1: links[0]!.q1, q2: links[0]!.q2, category: 'antonym', similarity: 1, verdict: 'different' as const, reason: 'test' };
    expect(sameEditLinks(pairs, new Map([[pairKey(links[0]!.q2, links[0]!.q1), veto]]))).toEqual([]);
  });

  it('the audit files are what the audit rules and the recorded reviews give (every candidate reviewed)', async () => {
    for (const split of ['train', 'dev', 'test'] as const) {
      const { labels, unreviewed } = await auditSplitLabels(split, embedder);
      expect(unreviewed, split).toEqual([]);
      expect(labels.map((label) => `${label.q1}\n${label.q2}`), split).toEqual(loadAudit(split).map((label) => `${label.q1}\n${label.q2}`));
    }
  });

  it('with every q1 cached together and the audit labels, the dev split serves no first-time question a wrong answer', async () => {
    const summary = summarisePairs(await evaluatePairs(loadSplit('dev'), embedder, { mode: 'shared', labels: loadAudit('dev') }));
    expect(summary.falseHits.rate).toBeLessThanOrEqual(0.003);
    expect(summary.recall.rate).toBeGreaterThanOrEqual(0.12);
  });
});
