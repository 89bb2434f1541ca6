import type { Classification, ResearchType } from '../../core/research.js';
import { AUDIENCE_GUIDANCE, DOMAIN_GUIDANCE, RESEARCH_TEMPLATES, URGENCY_GUIDANCE } from './research-templates.js';

export interface ResearchPrompt {
  system: string;
  user: string;
  maxTokens: number;
  temperature: number;
  /** `## ` section headings the answer must contain, in order; the quality evaluator checks them. */
  requiredSections: string[];
}

/** The sections an answer of this type must contain, in order (optional sections excluded). */
export function requiredSectionsFor(type: ResearchType): string[] {
  return RESEARCH_TEMPLATES[type].sections.filter((section) => section.optional !== true).map((section) => section.name);
}

const TOKEN_ROUNDING = 50;
const MIN_TEMPERATURE = 0;
const MAX_TEMPERATURE = 1;

/**
 * Builds the system and user messages for a research query: the template of its research type,
 * adapted to audience (depth and length), domain (conventions) and urgency (fix first or not).
 */
export function buildResearchPrompt(query: string, classification: Classification): ResearchPrompt {
  const type = classification.researchType.value;
  const template = RESEARCH_TEMPLATES[type];
  const audience = AUDIENCE_GUIDANCE[classification.audience.value];
  const urgency = URGENCY_GUIDANCE[classification.urgency.value];
  const sectionPlan = template.sections
    .map((section, index) => `${index + 1}. \`## ${section.name}\`${section.optional === true ? ' (optional)' : ''}: ${section.guidance}`)
    .join('\n');
  const codeRule =
    template.code === 'required'
      ? 'Code is required: put complete, runnable code in fenced blocks with a language tag, and close every fence.'
      : 'Put commands and code in fenced blocks with a language tag, and close every fence.';
  const system = [
    `You are Fortitude, a research assistant for software developers. Your job here: ${template.purpose}.`,
    '',
    'Answer in Markdown using exactly these `## ` sections, in this order:',
    sectionPlan,
    '',
    'Progressive disclosure: the first section must stand on its own, so a reader can stop after it; each later section adds evidence, then implementation detail. Use lists and short paragraphs.',
    `${codeRule} Cite documentation, versions and benchmarks you are confident of and say *because* when you justify a claim; never invent links or numbers.`,
    'State uncertainty once, where it matters, instead of hedging every sentence. Do not contradict yourself: if the answer depends on a condition, name the condition.',
    '',
    `Audience: ${audience.guidance}`,
    `Domain (${classification.domain.value}): ${DOMAIN_GUIDANCE[classification.domain.value]}`,
    `Urgency: ${urgency.guidance}`,
  ].join('\n');
  const user = [
    `Research question (${type}, ${classification.audience.value}, ${classification.domain.value}, ${classification.urgency.value}):`,
    '',
    '<question>',
    query.trim(),
    '</question>',
    '',
    `Answer with the sections ${template.sections
      .filter((section) => section.optional !== true)
      .map((section) => `## ${section.name}`)
      .join(', ')}.`,
  ].join('\n');
  const maxTokens = Math.round((template.maxTokens * audience.tokenFactor) / TOKEN_ROUNDING) * TOKEN_ROUNDING;
  const temperature = clamp(Math.round((template.temperature + urgency.temperatureDelta) * 100) / 100, MIN_TEMPERATURE, MAX_TEMPERATURE);
  return { system, user, maxTokens, temperature, requiredSections: requiredSectionsFor(type) };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
