import type { Audience, Domain, ResearchType, Urgency } from '../../core/research.js';

/** One `## ` section the answer must (or may) contain. */
export interface SectionSpec {
  name: string;
  guidance: string;
  /** Optional sections are offered in the prompt but not checked for completeness. */
  optional?: boolean;
}

/** How much the answer must carry fenced code: the evaluator's actionability check reads this. */
export type CodeExpectation = 'required' | 'expected' | 'optional';

export interface ResearchTemplate {
  /** What the answer is for, one sentence, used in the system prompt. */
  purpose: string;
  /** Sections in order: the first one answers, later ones add evidence and implementation. */
  sections: readonly SectionSpec[];
  code: CodeExpectation;
  maxTokens: number;
  temperature: number;
  /** Length range (words) a complete answer of this type usually falls in. */
  words: { min: number; max: number };
}

/** One template per research type. Progressive disclosure: answer → evidence → implementation. */
export const RESEARCH_TEMPLATES: Readonly<Record<ResearchType, ResearchTemplate>> = {
  decision: {
    purpose: 'help the asker choose between options and commit to one',
    sections: [
      { name: 'Recommendation', guidance: 'Lead with the recommendation in one or two sentences: which option, for whom, and the deciding reason.' },
      { name: 'Comparison', guidance: 'A Markdown table comparing the options on the criteria that matter here (performance, maturity, ecosystem, operational cost, learning curve), then when to choose each option instead.' },
      { name: 'Evidence', guidance: 'Benchmarks, documentation, adoption and version facts behind the recommendation, with links where you know them.' },
      { name: 'Implementation', guidance: 'How to adopt the recommended option: a minimal setup or migration sketch in a fenced code block.' },
    ],
    code: 'expected',
    maxTokens: 2_000,
    temperature: 0.3,
    words: { min: 200, max: 1_400 },
  },
  implementation: {
    purpose: 'give the asker working code they can run and adapt',
    sections: [
      { name: 'Answer', guidance: 'The approach in two to four sentences: what to build and which APIs or libraries to use.' },
      { name: 'Evidence', guidance: 'Why this approach: the documentation, API versions and pitfalls it avoids.' },
      { name: 'Implementation', guidance: 'Complete, runnable code in fenced blocks with a language tag (imports included), a usage example, and how to run or test it.' },
    ],
    code: 'required',
    maxTokens: 3_000,
    temperature: 0.2,
    words: { min: 150, max: 2_000 },
  },
  troubleshooting: {
    purpose: 'get the asker unblocked and explain what went wrong',
    sections: [
      { name: 'Problem', guidance: 'Restate the symptom and the most likely diagnosis in two or three sentences.' },
      { name: 'Causes', guidance: 'Likely causes, most probable first, each with how to confirm it (a command, log line or check).' },
      { name: 'Fixes', guidance: 'A fix for each cause, safest first, with exact commands or code in fenced blocks and how to verify the fix worked.' },
      { name: 'Evidence', guidance: 'Documentation, issue-tracker threads and versions where the behaviour changed.' },
    ],
    code: 'expected',
    maxTokens: 2_000,
    temperature: 0.1,
    words: { min: 120, max: 1_300 },
  },
  learning: {
    purpose: 'build a correct mental model of a concept',
    sections: [
      { name: 'Answer', guidance: 'A plain-language answer in two to four sentences.' },
      { name: 'Concepts', guidance: 'The key concepts, each defined, building from simple to detailed.' },
      { name: 'Example', guidance: 'A small, concrete example (code in a fenced block where it helps) that shows the concept in action.' },
      { name: 'Evidence', guidance: 'Authoritative sources: documentation, specifications, papers or books.' },
    ],
    code: 'expected',
    maxTokens: 2_500,
    temperature: 0.5,
    words: { min: 150, max: 1_600 },
  },
  validation: {
    purpose: 'check whether what the asker has or believes is correct and safe',
    sections: [
      { name: 'Verdict', guidance: 'Start with Correct, Partly correct or Incorrect (or Safe / Unsafe) and one sentence saying why.' },
      { name: 'Checks', guidance: 'Each check as a list item: what was checked, pass or fail, and why.' },
      { name: 'Evidence', guidance: 'Documentation, specifications, advisories or benchmarks that support the verdict.' },
      { name: 'Implementation', guidance: 'Only if something fails: the corrected version in a fenced code block.', optional: true },
    ],
    code: 'optional',
    maxTokens: 1_500,
    temperature: 0.1,
    words: { min: 80, max: 1_100 },
  },
};

export const AUDIENCE_GUIDANCE: Readonly<Record<Audience, { guidance: string; tokenFactor: number }>> = {
  beginner: {
    guidance: 'The reader is new to this. Define each technical term the first time you use it, prefer plain words, and say why each step matters.',
    tokenFactor: 1.25,
  },
  intermediate: {
    guidance: 'The reader has working knowledge of the stack. Skip the basics, explain non-obvious choices.',
    tokenFactor: 1,
  },
  advanced: {
    guidance: 'The reader is an expert. Be terse: no definitions of common terms. Focus on trade-offs, edge cases, failure modes, performance and internals.',
    tokenFactor: 0.8,
  },
};

export const DOMAIN_GUIDANCE: Readonly<Record<Domain, string>> = {
  rust: 'Use idiomatic stable Rust (2021 edition); name crates with versions; point out ownership, lifetime and Send/Sync implications.',
  web: 'Name framework and runtime versions and browser support; consider security headers, accessibility and bundle size.',
  devops: 'Give exact commands and manifests; mention rollback, blast radius and how to verify a change in a real cluster.',
  ai: 'Name model families and versions, context limits and cost per token; say how to evaluate the result and where output is nondeterministic.',
  database: 'Show the SQL; mention indexes, locking, isolation level and migration safety; name the engine and version.',
  systems: 'Be precise about memory, concurrency, syscalls and platform differences (Linux first); note undefined behaviour.',
  security: 'State the threat model; follow OWASP/NIST guidance; never suggest disabling a protection without naming the risk.',
  python: 'Target Python 3.10+ with type hints; name packages and versions; prefer the standard library where it suffices.',
  general: 'Stay language-agnostic unless the question names a language; use pseudocode or the most likely language for examples.',
};

export const URGENCY_GUIDANCE: Readonly<Record<Urgency, { guidance: string; temperatureDelta: number }>> = {
  immediate: {
    guidance: 'The asker is blocked right now: put the fastest safe fix or workaround in the first lines of the first section, then explain. Flag anything risky to run in production.',
    temperatureDelta: -0.1,
  },
  planned: {
    guidance: 'The asker is planning work: cover maintenance, migration paths, operational cost and how the choice ages.',
    temperatureDelta: 0,
  },
  exploratory: {
    guidance: 'The asker is exploring: favour understanding, context and pointers for further reading over step lists.',
    temperatureDelta: 0.1,
  },
};
