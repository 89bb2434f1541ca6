import { describe, expect, it } from 'vitest';
import { RESEARCH_TYPES, type Classification, type ResearchType } from '../../src/core/research.js';
import { buildResearchPrompt } from '../../src/pipeline/prompts/research-prompt.js';
import { evaluateQuality } from '../../src/pipeline/quality/evaluate-quality.js';
import { createAnswerGenerator } from '../../src/providers/simulator/answer/answer-generator.js';
import { promptOf } from '../../src/providers/simulator/completion.js';
import type { QualityMode } from '../../src/providers/simulator/simulator-profile.js';

/**
 * The simulator answers Fortitude's own research prompts as a model following them would: the
 * sections the prompt asks for, so a `good` answer passes the quality gate at the default
 * threshold on the first provider, and the degraded modes still fail it. (Before, it wrote its
 * own layout for the type it guessed from the question's words: a question classified as
 * troubleshooting without a troubleshooting keyword got Answer/Evidence/Implementation, scored
 * completeness 0.25, composite 0.75, and every such research miss was retried on a second provider.)
 */
const DEFAULT_THRESHOLD = 0.8;

/** Questions whose words do not name their type (the simulator's own guess would differ). */
const QUESTIONS: Record<ResearchType, string> = {
  troubleshooting: 'What breaks when service checkout loses its database connection pool during deploy 12?',
  decision: 'Kafka or RabbitMQ for an order pipeline with 2k events per second?',
  learning: 'Vector clocks in distributed databases',
  validation: 'Storing session tokens in localStorage for a banking dashboard',
  implementation: 'Rate limiting per API key in an Express service',
};

function classification(type: ResearchType): Classification {
  return {
    researchType: { value: type, confidence: 0.9, signals: [] },
    audience: { value: 'intermediate', confidence: 0.6, signals: [] },
    domain: { value: 'general', confidence: 0.5, signals: [] },
    urgency: { value: 'planned', confidence: 0.5, signals: [] },
  };
}

const generator = createAnswerGenerator();

function score(type: ResearchType, mode: QualityMode) {
  const query = QUESTIONS[type];
  const prompt = buildResearchPrompt(query, classification(type));
  const { prompt: question, context } = promptOf({
    messages: [
      { role: 'system', text: prompt.system },
      { role: 'user', text: prompt.user },
    ],
  } as Parameters<typeof promptOf>[0]);
  const answer = generator.answer(question, context, mode);
  return {
    answer,
    headings: [...answer.text.matchAll(/^## (.+)$/gm)].map((match) => match[1]),
    quality: evaluateQuality({ query, answer: answer.text, classification: classification(type), finishReason: answer.cut ? 'length' : 'stop' }),
    sections: prompt.requiredSections,
  };
}

describe('the simulator on Fortitude research prompts', () => {
  it.each(RESEARCH_TYPES)('a good %s answer has the requested sections and passes the default threshold', (type) => {
    const { headings, quality, sections } = score(type, 'good');
    for (const section of sections) expect(headings).toContain(section);
    expect(quality.dimensions.completeness).toBe(1);
    expect(quality.issues).toEqual([]);
    expect(quality.composite).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it.each(RESEARCH_TYPES)('the degraded %s answers still fail the gate', (type) => {
    for (const mode of ['refusal', 'off_topic', 'hedging', 'truncated'] as const) {
      expect(score(type, mode).quality.composite, mode).toBeLessThan(DEFAULT_THRESHOLD);
    }
  });
});
