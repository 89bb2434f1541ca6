import { describe, expect, it } from 'vitest';
import { RESEARCH_TYPES, type Classification, type ResearchType } from '../../core/research.js';
import { classify } from '../classify/classify.js';
import { DEFAULT_QUALITY_WEIGHTS, QUALITY_DIMENSIONS, evaluateQuality } from './evaluate-quality.js';
import { GOOD_ANSWERS } from '../../../test/support/sample-answers.js';

const FENCE = '```';
const THRESHOLD = 0.8;

function classificationFor(type: ResearchType, query: string): Classification {
  return classify(query, { type });
}

function score(type: ResearchType, answer: string, finishReason = 'stop', query = GOOD_ANSWERS[type].query) {
  return evaluateQuality({ query, answer, classification: classificationFor(type, query), finishReason });
}

const good = Object.fromEntries(RESEARCH_TYPES.map((type) => [type, score(type, GOOD_ANSWERS[type].answer)])) as Record<
  ResearchType,
  ReturnType<typeof evaluateQuality>
>;

describe('evaluateQuality on good answers', () => {
  it.each(RESEARCH_TYPES)('scores the good %s answer ≥ 0.85 with no issues', (type) => {
    expect(good[type].composite).toBeGreaterThanOrEqual(0.85);
    expect(good[type].issues).toEqual([]);
    expect(Object.keys(good[type].dimensions).sort()).toEqual([...QUALITY_DIMENSIONS].sort());
  });

  it('has default weights that sum to 1', () => {
    const sum = Object.values(DEFAULT_QUALITY_WEIGHTS).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 10);
  });
});

describe('evaluateQuality on degraded answers', () => {
  it('rejects an answer truncated mid-sentence (and says why)', () => {
    const full = GOOD_ANSWERS.decision.answer;
    const cut = full.slice(0, full.indexOf('because it is a mature') + 'because it is a mature'.length);
    const result = score('decision', cut, 'length');
    expect(result.issues).toContain('truncated');
    expect(result.composite).toBeLessThanOrEqual(0.5);
    expect(result.composite).toBeLessThan(good.decision.composite);
    // Even when the provider claims a clean stop, the dangling sentence gives it away.
    expect(score('decision', cut, 'stop').issues).toContain('truncated');
  });

  it('trusts a finish reason of length even when the text looks complete', () => {
    const result = score('learning', GOOD_ANSWERS.learning.answer, 'length');
    expect(result.issues).toContain('truncated');
    expect(result.composite).toBeLessThanOrEqual(0.5);
    expect(score('learning', GOOD_ANSWERS.learning.answer, 'stop').issues).not.toContain('truncated');
  });

  it('scores an empty answer near zero without throwing', () => {
    const result = score('decision', '');
    expect(result.composite).toBeLessThan(0.5);
    expect(result.issues).toEqual(expect.arrayContaining(['off_topic', 'too_short', 'missing_section:Recommendation']));
  });

  it('rejects an answer cut inside a code block (unclosed fence)', () => {
    const full = GOOD_ANSWERS.implementation.answer;
    const cut = full.slice(0, full.indexOf('let listener'));
    const result = score('implementation', cut, 'stop');
    expect(result.issues).toEqual(expect.arrayContaining(['truncated', 'unbalanced_code_fence']));
    expect(result.composite).toBeLessThan(THRESHOLD);
    expect(result.dimensions.actionability).toBeLessThan(good.implementation.dimensions.actionability ?? 1);
  });

  it('rejects an answer about another subject as off-topic', () => {
    const result = score('implementation', GOOD_ANSWERS.learning.answer);
    expect(result.issues).toContain('off_topic');
    expect(result.composite).toBeLessThanOrEqual(0.45);
    expect(result.dimensions.relevance).toBeLessThan(0.5);
  });

  it('rejects a refusal', () => {
    const result = score('troubleshooting', "I'm sorry, but I can't help with that request. As an AI, I don't have access to your system.");
    expect(result.issues).toContain('refusal');
    expect(result.composite).toBeLessThanOrEqual(0.3);
    expect(result.dimensions.refusal).toBe(0);
  });

  it('tolerates an AI disclaimer in front of a real answer, at a small cost', () => {
    const answer = `As an AI, I cannot see your logs, but here is how to diagnose it.\n\n${GOOD_ANSWERS.troubleshooting.answer}`;
    const result = score('troubleshooting', answer);
    expect(result.issues).toContain('ai_disclaimer');
    expect(result.issues).not.toContain('refusal');
    expect(result.composite).toBeGreaterThanOrEqual(THRESHOLD);
    expect(result.composite).toBeLessThan(good.troubleshooting.composite);
  });

  it('rejects an implementation answer with no code', () => {
    const withoutCode = GOOD_ANSWERS.implementation.answer.replace(new RegExp(`${FENCE}[a-z]*\\n[\\s\\S]*?${FENCE}\\n`, 'g'), '');
    expect(withoutCode).not.toContain(FENCE);
    const result = score('implementation', withoutCode);
    expect(result.issues).toContain('no_code_block');
    expect(result.composite).toBeLessThan(THRESHOLD);
    expect(result.dimensions.actionability).toBeLessThan(0.5);
  });

  it('does not demand code from a validation answer', () => {
    const withoutCode = GOOD_ANSWERS.validation.answer.slice(0, GOOD_ANSWERS.validation.answer.indexOf('## Implementation'));
    const result = score('validation', withoutCode);
    expect(result.issues).not.toContain('no_code_block');
    expect(result.composite).toBeGreaterThanOrEqual(0.85);
  });

  it('penalises heavy hedging', () => {
    const hedged = `## Recommendation

It depends, but PostgreSQL might possibly be a reasonable event store, I think. MongoDB could perhaps also work, probably.

## Comparison

- PostgreSQL may be faster in some cases, maybe.
- MongoDB is perhaps easier to scale, arguably, though it's hard to say.
- Ordering might be simpler in PostgreSQL, I believe.

## Evidence

It seems that some teams probably use PostgreSQL for this, because it is possibly more familiar. It is hard to say without benchmarks, and results may or may not vary.

## Implementation

Perhaps start with a table keyed by stream id and version, which might work:

${FENCE}sql
CREATE TABLE events (stream_id uuid, version int, payload jsonb, PRIMARY KEY (stream_id, version));
${FENCE}
`;
    const result = score('decision', hedged);
    expect(result.issues).toContain('heavy_hedging');
    expect(result.dimensions.hedging).toBeLessThan(0.3);
    expect(result.composite).toBeLessThan(good.decision.composite);
    expect(result.composite).toBeLessThan(THRESHOLD);
  });

  it('flags an answer that recommends and advises against the same thing', () => {
    const contradictory = `${GOOD_ANSWERS.decision.answer}\nAvoid PostgreSQL for event stores; it is a poor fit.\n`;
    const result = score('decision', contradictory);
    expect(result.issues).toContain('self_contradiction');
    expect(result.dimensions.consistency).toBe(0);
    expect(result.composite).toBeLessThan(good.decision.composite);
    expect(result.composite).toBeLessThan(THRESHOLD);
  });

  it('does not treat a conditional alternative as a contradiction', () => {
    const answer = `${GOOD_ANSWERS.decision.answer}\nAvoid PostgreSQL if you need multi-region active-active writes.\n`;
    expect(score('decision', answer).issues).not.toContain('self_contradiction');
  });

  it('reports each missing required section', () => {
    const answer = GOOD_ANSWERS.troubleshooting.answer.replace('## Fixes', '### Notes').replace('## Causes', '## Background');
    const result = score('troubleshooting', answer);
    expect(result.issues).toEqual(expect.arrayContaining(['missing_section:Causes', 'missing_section:Fixes']));
    expect(result.dimensions.completeness).toBeCloseTo(0.5, 5);
    expect(result.composite).toBeLessThan(good.troubleshooting.composite);
  });

  it('accepts synonyms for section names', () => {
    const answer = GOOD_ANSWERS.troubleshooting.answer
      .replace('## Causes', '## Root cause')
      .replace('## Fixes', '## Solutions')
      .replace('## Problem', '## Diagnosis');
    expect(score('troubleshooting', answer).issues).toEqual([]);
  });

  it('penalises a wall of text with no structure or evidence', () => {
    const wall = Array.from({ length: 12 }, () => 'Tokio graceful shutdown drains in-flight requests on the server when you wire the signal handler into the serve loop').join(' ');
    const result = score('implementation', `${wall}.`);
    expect(result.issues).toEqual(expect.arrayContaining(['no_structure', 'no_evidence', 'no_code_block']));
    expect(result.dimensions.structure).toBeLessThan(0.3);
  });
});

describe('evaluateQuality weights', () => {
  const noEvidence = GOOD_ANSWERS.implementation.answer.replace(/## Evidence[\s\S]*?## Implementation/, '## Evidence\n\nIt works well.\n\n## Implementation');

  it('moves the composite with the weights', () => {
    const base = score('implementation', noEvidence);
    expect(base.dimensions.evidence).toBeLessThan(0.5);
    const classification = classificationFor('implementation', GOOD_ANSWERS.implementation.query);
    const input = { query: GOOD_ANSWERS.implementation.query, answer: noEvidence, classification };
    const evidenceHeavy = evaluateQuality(input, { weights: { evidence: 5 } });
    const evidenceIgnored = evaluateQuality(input, { weights: { evidence: 0 } });
    expect(evidenceHeavy.composite).toBeLessThan(base.composite);
    expect(evidenceIgnored.composite).toBeGreaterThan(base.composite);
  });

  it('equals a single dimension when only that dimension is weighted', () => {
    const classification = classificationFor('implementation', GOOD_ANSWERS.implementation.query);
    const weights = Object.fromEntries(QUALITY_DIMENSIONS.map((d) => [d, d === 'evidence' ? 1 : 0]));
    const result = evaluateQuality({ query: GOOD_ANSWERS.implementation.query, answer: noEvidence, classification }, { weights });
    expect(result.composite).toBe(result.dimensions.evidence);
  });

  it('still caps hard failures whatever the weights', () => {
    const classification = classificationFor('troubleshooting', GOOD_ANSWERS.troubleshooting.query);
    const result = evaluateQuality(
      { query: GOOD_ANSWERS.troubleshooting.query, answer: "I can't help with that.", classification },
      { weights: { refusal: 0, relevance: 0 } },
    );
    expect(result.composite).toBeLessThanOrEqual(0.3);
  });
});
