import { RESEARCH_TYPES, type ResearchType } from '../../../core/research.js';
import { hashString } from '../seeded-random.js';

/** What the answer generator needs to know about a question. */
export interface QueryAnalysis {
  /** The question itself (from a `Query:` line when the prompt is a template). */
  query: string;
  researchType: ResearchType;
  /** Distinctive words of the question, original spelling, in order of appearance (≤ 6). */
  terms: string[];
  /** The main topic: the first term, joined with the next when they are adjacent (`rate limiting`). */
  subject: string;
  /** Terms not part of the subject, for secondary mentions. */
  otherTerms: string[];
  /** For decisions: the two options compared, when the question names them. */
  options: [string, string] | undefined;
  language: CodeLanguage;
  /** Stable per question; picks phrasings so the same question gets the same answer. */
  hash: number;
  /**
   * The `## ` sections the prompt asks for, in order (Fortitude's research prompts list them:
   * "Answer in Markdown using exactly these `## ` sections"), as a model asked for them writes
   * them; undefined when the prompt names none (the generator's own layout for the type).
   */
  sections: string[] | undefined;
}

export type CodeLanguage = 'rust' | 'python' | 'go' | 'sql' | 'dockerfile' | 'yaml' | 'bash' | 'typescript';

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her here ' +
    'hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other ' +
    'our out over own same she should so some such than that the their them then there these they this those through ' +
    'to too under until up very was we were what when where which while who whom why will with would you your yours ' +
    'use using used best way ways get make need want like work works working good better right thing things vs versus ' +
    'versus please tell explain know really much many one two new does doesn don won cannot can\'t i\'m it\'s ' +
    'implement implementing implementation build create write set setup configure choose choosing compare ' +
    'question answer research type query help fix fixing issue problem error errors'
  ).split(/\s+/),
);

const TYPE_PATTERNS: [ResearchType, RegExp][] = [
  [
    'troubleshooting',
    /\b(errors?|fail(s|ed|ing|ure)?|crash(es|ed|ing)?|panic(s|ked)?|exception|bug|broken|not working|doesn'?t work|won'?t|timeouts?|timed out|leak(s|ing)?|hangs?|stack ?trace|debug(ging)?|troubleshoot(ing)?|fix(es|ing)?|segfault|deadlock)\b/i,
  ],
  [
    'decision',
    /\b(vs\.?|versus|should (i|we)|which (one|is|should|to)|choose|choosing|compare|comparison|better than|pros and cons|trade-?offs?|alternatives? to)\b/i,
  ],
  ['validation', /\b(is it (safe|correct|ok|okay|good|wise)|validate|verify|review|best practices?|correct way|is this (right|correct|safe))\b/i],
  ['learning', /\b(what (is|are)|explain|how does|understand|learn|introduction|overview|concepts?|difference between)\b/i],
];

const LANGUAGE_PATTERNS: [CodeLanguage, RegExp][] = [
  ['rust', /\b(rust|cargo|tokio|serde|borrow checker|lifetimes?|crates?|actix|axum|async-std)\b/i],
  ['python', /\b(python|django|flask|pandas|numpy|pip|fastapi|asyncio|pytest|pydantic)\b/i],
  ['go', /\b(golang|goroutines?|go modules?|gin)\b/i],
  ['sql', /\b(sql|postgres(ql)?|mysql|sqlite|indexe?s|joins?|queries|vacuum|transactions?)\b/i],
  ['dockerfile', /\b(docker(file)?|containers?|image size|multi-stage)\b/i],
  ['yaml', /\b(kubernetes|k8s|helm|ansible|github actions|ci pipeline|manifests?)\b/i],
  ['bash', /\b(bash|shell|linux|systemd|cron|nginx)\b/i],
];

/** Gateways often send a template; a `Query:`/`Question:` line holds the actual question. */
export function extractQuery(prompt: string): string {
  const line = /^\s*(?:research\s+)?(?:query|question)\s*:\s*(.+)$/im.exec(prompt);
  const query = (line?.[1] ?? prompt).trim();
  return query.length > 600 ? query.slice(0, 600) : query;
}

/**
 * `Research type: decision` in a system prompt, or the type Fortitude's research prompt states
 * before the question (`Research question (troubleshooting, intermediate, …):`).
 */
const EXPLICIT_TYPE = /research[ _-]?type\s*[:=]\s*([a-z]+)|research question \(([a-z]+)[,)]/i;

function detectType(query: string, context: string): ResearchType {
  const named = EXPLICIT_TYPE.exec(context);
  const explicit = (named?.[1] ?? named?.[2])?.toLowerCase();
  if (explicit !== undefined && (RESEARCH_TYPES as readonly string[]).includes(explicit)) return explicit as ResearchType;
  for (const [type, pattern] of TYPE_PATTERNS) if (pattern.test(query)) return type;
  return 'implementation';
}

function cleanWord(word: string): string {
  return word.replace(/^[^\w]+|[^\w+#]+$/g, '');
}

export function keyTerms(query: string, limit = 6): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const raw of query.match(/[A-Za-z][\w.+#'-]*/g) ?? []) {
    const word = cleanWord(raw);
    const lower = word.toLowerCase();
    if (seen.has(lower) || STOPWORDS.has(lower)) continue;
    if (word.length < 3 && !/[A-Z0-9#+]/.test(word)) continue;
    seen.add(lower);
    terms.push(word);
    if (terms.length === limit) break;
  }
  return terms;
}

function detectOptions(query: string): [string, string] | undefined {
  const match =
    /([\w.+#-]+)\s+(?:vs\.?|versus)\s+([\w.+#-]+)/i.exec(query) ??
    /between\s+([\w.+#-]+)\s+and\s+([\w.+#-]+)/i.exec(query) ??
    /([\w.+#-]+)\s+or\s+([\w.+#-]+)/i.exec(query);
  const first = match?.[1] === undefined ? '' : cleanWord(match[1]);
  const second = match?.[2] === undefined ? '' : cleanWord(match[2]);
  if (first === '' || second === '' || STOPWORDS.has(first.toLowerCase()) || STOPWORDS.has(second.toLowerCase())) return undefined;
  return [first, second];
}

function detectLanguage(text: string): CodeLanguage {
  for (const [language, pattern] of LANGUAGE_PATTERNS) if (pattern.test(text)) return language;
  return 'typescript';
}

/** A numbered line of a section plan: ``1. `## Problem`: Restate the symptom…`` (optional ones included). */
const SECTION_PLAN_LINE = /^\s*\d+\.\s+`## ([^`\n]+)`/gm;

/** The `## ` sections a prompt's section plan asks for, in order; undefined without a plan. */
export function requestedSections(context: string): string[] | undefined {
  if (!context.includes('`## ')) return undefined;
  const sections: string[] = [];
  for (const match of context.matchAll(SECTION_PLAN_LINE)) {
    const name = match[1]!.trim();
    if (name !== '' && !sections.includes(name)) sections.push(name);
  }
  return sections.length > 0 ? sections : undefined;
}

/** `prompt` is the last user message; `context` adds the system prompt (may name the research type and the sections). */
export function analyseQuery(prompt: string, context = ''): QueryAnalysis {
  const query = extractQuery(prompt);
  const researchType = detectType(query, `${context}\n${prompt}`);
  const terms = keyTerms(query);
  const [first, second] = terms;
  const joined = first !== undefined && second !== undefined && query.includes(`${first} ${second}`);
  return {
    query,
    researchType,
    terms,
    subject: joined ? `${first} ${second}` : (first ?? 'this'),
    otherTerms: terms.slice(joined ? 2 : 1),
    options: researchType === 'decision' ? detectOptions(query) : undefined,
    language: detectLanguage(query),
    hash: hashString(query),
    sections: requestedSections(context),
  };
}
