import { contentTerms } from '../classify/text.js';
import type { AnswerAnatomy } from './answer-anatomy.js';

/** Where a refusal shows up: in the opening, or as the whole (short) answer. */
const REFUSAL_WINDOW_CHARS = 600;
const REFUSAL = /\b(?:i can(?:'|no|’)t (?:help|assist|provide|answer|do that|comply|support)|i(?:'m| am|’m) (?:unable|not able) to (?:help|assist|provide|answer|comply)|i won(?:'|’)t be able to (?:help|assist|provide)|i must decline|i cannot comply|i(?:'m| am) not allowed to|against my (?:guidelines|policy|policies)|i do not have the ability to)\b/;
const AI_DISCLAIMER = /\bas an ai\b|\bas an? (?:large )?language model\b|\bi(?:'m| am) just an ai\b/;

export type RefusalKind = 'none' | 'disclaimer' | 'refusal';

/**
 * A refusal is a refusal phrase in the opening of an answer that then does not answer; an AI
 * disclaimer in front of a real answer is only a `disclaimer`.
 */
export function detectRefusal(anatomy: AnswerAnatomy, answer: string, sectionsFound: number): RefusalKind {
  const opening = answer.slice(0, REFUSAL_WINDOW_CHARS).toLowerCase();
  const refuses = REFUSAL.test(opening);
  const disclaims = AI_DISCLAIMER.test(opening);
  if (!refuses && !disclaims) return 'none';
  const answersAnyway = anatomy.words >= 120 && sectionsFound >= 2;
  if (refuses && !answersAnyway) return 'refusal';
  if (disclaims && anatomy.words < 60) return 'refusal';
  return 'disclaimer';
}

const HEDGE = /\b(?:might|maybe|perhaps|possibly|probably|presumably|arguably|seemingly|somewhat|could potentially|may or may not|it depends|not sure|not certain|hard to say|i think|i believe|i guess|i suppose|it seems|seems to|appears to|in some cases|to some extent|generally speaking|more or less|kind of|sort of)\b/g;
const SENTENCE_END = /[.!?](?:\s|$)|\n/g;

/** Hedges per sentence of prose. */
export function hedgeDensity(prose: string): { hedges: number; sentences: number; density: number } {
  const lower = prose.toLowerCase();
  const hedges = lower.match(HEDGE)?.length ?? 0;
  const sentences = Math.max(1, lower.match(SENTENCE_END)?.length ?? 1);
  return { hedges, sentences, density: hedges / sentences };
}

/** The thing a stance is about: one word, after an optional article. */
const SUBJECT = "(?:(?:the|a|an|this|that) )?([a-z0-9_.+#'-]+)";
/** The word right before "is …": "sqlite is recommended", "using sqlite is not safe". */
const SUBJECT_BEFORE = "([a-z0-9_.+#'-]+)";
const POSITIVE = [
  new RegExp(`\\b(?:i|we) (?:recommend|suggest|prefer|would pick|would choose) (?:using |to use |that you use )?${SUBJECT}`, 'g'),
  new RegExp(`^(?:[-+]\\s+|\\d+[.)]\\s+)?(?:use|choose|pick|go with|prefer) ${SUBJECT}`, 'g'),
  new RegExp(`${SUBJECT_BEFORE} is (?:the |a |an )?(?:recommended|best choice|right choice|better choice|preferred|safe|good choice|good fit|way to go)\\b`, 'g'),
];
const NEGATIVE = [
  new RegExp(`\\b(?:avoid|don't use|do not use|never use|stay away from|steer clear of|not recommend|don't recommend|do not recommend|wouldn't use|would not use) (?:using )?${SUBJECT}`, 'g'),
  new RegExp(`${SUBJECT_BEFORE} is (?:not recommended|not safe|unsafe|a bad (?:choice|idea|fit)|discouraged|not a good (?:choice|fit|idea)|the wrong choice)\\b`, 'g'),
];
/** Cheap pre-filter: a sentence without any of these words cannot state a stance. */
const STANCE_WORDS = /recommend|suggest|prefer|choose|pick|go with|avoid|never|stay away|steer clear|wouldn't|would not|unsafe|discouraged|\bsafe\b|\bbad\b|\bwrong\b|\bbest\b|\bbetter\b|\bgood\b|way to go|^(?:[-+]\s+|\d+[.)]\s+)?use /;
/** Sentences that state a condition are not categorical, so they cannot contradict. */
const QUALIFIED = /\b(?:if|unless|when|whenever|only|except|in (?:some|most|rare) cases|in (?:production|tests?|development|dev|ci)|for (?:\S+-bound|small|large|simple|complex|legacy|new|prototypes?|tests?|production))\b/;
const SENTENCE_SPLIT = /(?<=[.!?])\s+|\n+/;
const ARTICLES = new Set(['the', 'a', 'an', 'this', 'that', 'it', 'them', 'one', 'both', 'either']);

export interface Stances {
  positive: Set<string>;
  negative: Set<string>;
}

/** Things an answer recommends and advises against, each reduced to its first content term. */
export function extractStances(prose: string): Stances {
  const stances: Stances = { positive: new Set(), negative: new Set() };
  // Emphasis and inline-code markers would hide the subject ("use **postgres**").
  for (const sentence of prose.toLowerCase().replace(/[*`]/g, '').split(SENTENCE_SPLIT)) {
    const trimmed = sentence.trim();
    if (trimmed.length < 6 || !STANCE_WORDS.test(trimmed) || QUALIFIED.test(trimmed)) continue;
    for (const pattern of NEGATIVE) collect(pattern, trimmed, stances.negative);
    for (const pattern of POSITIVE) collect(pattern, trimmed, stances.positive);
  }
  return stances;
}

function collect(pattern: RegExp, sentence: string, into: Set<string>): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(sentence); match !== null; match = pattern.exec(sentence)) {
    const subject = subjectTerm(match[1] ?? '');
    if (subject !== undefined) into.add(subject);
  }
}

function subjectTerm(word: string): string | undefined {
  return ARTICLES.has(word) ? undefined : contentTerms(word)[0];
}

/** Subjects the answer both recommends and advises against. */
export function contradictions(stances: Stances): string[] {
  return [...stances.positive].filter((subject) => stances.negative.has(subject));
}

const DANGLING = /(?:^|\s)(?:the|a|an|to|of|and|or|with|for|in|on|that|which|is|are|by|as|from|then|but|because|so|if|when|your|our|its|this)$|[,;(\-–—/]$/;
const COMPLETE_ENDING = /(?:[.!?)"'`*:|>\]]|https?:\/\/\S+|\p{Extended_Pictographic})$/u;

/** Whether an answer stopped early: length cut-off, unclosed fence, or a last line cut mid-sentence. */
export function detectTruncation(anatomy: AnswerAnatomy, finishReason: string | undefined): string[] {
  const reasons: string[] = [];
  if (finishReason === 'length') reasons.push('finish_reason_length');
  if (anatomy.unclosedFence) reasons.push('unclosed_fence');
  const { text, kind } = anatomy.lastLine;
  if (kind === 'heading') reasons.push('ends_with_heading');
  if (kind === 'prose' && !COMPLETE_ENDING.test(text)) reasons.push('ends_mid_sentence');
  if ((kind === 'list' || kind === 'table') && DANGLING.test(text.toLowerCase())) reasons.push('ends_mid_sentence');
  return reasons;
}

const LINK = /\bhttps?:\/\/[^\s)>\]]+/g;
const VERSION = /\b(?:v?\d+\.\d+(?:\.\d+)?|(?:version|node|python|postgres(?:ql)?|java|rust|go|react|kubernetes|edition|es)\s?\d{1,4})\b/gi;
const MEASUREMENT = /\b\d+(?:[.,]\d+)?\s?(?:ms|µs|us|ns|s|sec|seconds|x|×|%|kb|mb|gb|tb|req\/s|rps|qps|ops\/s|tokens|rows|cores|connections)\b/gi;
const CAUSAL = /\b(?:because|due to|as a result|which means|the reason|this is why|that is why|so that|therefore)\b/gi;
const REFERENCE = /\b(?:according to|documentation|docs|the spec(?:ification)?|rfc ?\d+|cve-\d{4}-\d+|changelog|release notes|benchmark(?:s|ed)?|source:|see also|paper|owasp|nist)\b|\[\d+\]/gi;

export interface EvidenceCounts {
  links: number;
  versions: number;
  measurements: number;
  causal: number;
  references: number;
}

export function countEvidence(prose: string): EvidenceCounts {
  return {
    links: prose.match(LINK)?.length ?? 0,
    versions: prose.match(VERSION)?.length ?? 0,
    measurements: prose.match(MEASUREMENT)?.length ?? 0,
    causal: prose.match(CAUSAL)?.length ?? 0,
    references: prose.match(REFERENCE)?.length ?? 0,
  };
}

/** 0–1: links, versions, measurements, causal reasoning and named references each add support. */
export function evidenceScore(counts: EvidenceCounts): number {
  const points =
    Math.min(counts.links, 2) * 0.2 +
    Math.min(counts.versions, 2) * 0.1 +
    Math.min(counts.measurements, 2) * 0.1 +
    Math.min(counts.causal, 3) * 0.1 +
    Math.min(counts.references, 2) * 0.1;
  return Math.min(1, points);
}
