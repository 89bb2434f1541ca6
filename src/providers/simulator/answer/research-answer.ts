import { codeSample } from './code-samples.js';
import type { QueryAnalysis } from './query-analysis.js';

/**
 * The `good` answer: Markdown naming the question's key terms. When the prompt lists the `## `
 * sections it wants (Fortitude's research prompts do), exactly those, in that order, as a model
 * following the instructions writes them; otherwise `## Answer`, `## Evidence` and
 * `## Implementation` (with a fenced code block), decisions leading with a recommendation and
 * troubleshooting going Problem → Causes → Fixes. Phrasing varies by the question's hash, so
 * the same question always gets the same answer. `withCode: false` is the `no_code` mode.
 */
export function researchAnswer(analysis: QueryAnalysis, withCode: boolean): string {
  const sections =
    analysis.sections === undefined
      ? [answerSection(analysis), ...typeSections(analysis), evidenceSection(analysis), implementationSection(analysis, withCode)]
      : analysis.sections.map((name) => requestedSection(analysis, name, withCode));
  return `${sections.join('\n\n')}\n`;
}

/** The body after a section's heading line. */
function body(section: string): string {
  return section.slice(section.indexOf('\n\n') + 2);
}

/** One section the prompt asked for, by its name (the body the matching built-in section has, else a new one). */
function requestedSection(analysis: QueryAnalysis, name: string, withCode: boolean): string {
  const key = name.toLowerCase();
  const code = () => `\`\`\`${analysis.language}\n${codeSample(analysis.language, analysis.terms)}\n\`\`\``;
  let text: string;
  switch (key) {
    case 'answer':
    case 'recommendation':
    case 'verdict':
      text = body(answerSection(analysis));
      break;
    case 'problem':
      text = `${body(troubleshootingSections(analysis)[0]!)}\n\n${body(answerSection({ ...analysis, researchType: 'troubleshooting' }))}`;
      break;
    case 'causes':
      text = body(troubleshootingSections(analysis)[1]!);
      break;
    case 'fixes':
      text = `${body(troubleshootingSections(analysis)[2]!)}${withCode ? `\n\nA guard that fails fast and says which limit was hit:\n\n${code()}` : ''}`;
      break;
    case 'comparison': {
      const [chosen, other] = decisionOptions(analysis);
      text = `${body(tradeOffsSection(analysis))}\n\nChoose **${other}** instead when its specific strengths are a hard requirement; otherwise **${chosen}**.`;
      break;
    }
    case 'evidence':
      text = body(evidenceSection(analysis));
      break;
    case 'implementation':
      text = body(implementationSection(analysis, withCode));
      break;
    case 'concepts':
      text = analysis.terms
        .slice(0, 4)
        .map((term, index) => `- **${term}**: ${pick(analysis, 4 + index, ['what it guarantees, and the cost of that guarantee', 'the building block the rest depends on', 'where the behaviour changes under load', 'the part most often misunderstood'])}.`)
        .join('\n');
      if (text === '') text = `- **${analysis.subject}**: what it guarantees, and the cost of that guarantee.`;
      break;
    case 'example':
      text = withCode
        ? `A minimal ${analysis.subject} example:\n\n${code()}\n\nRun it, then change one input at a time and watch what changes.`
        : `1. Start with the smallest input that shows ${analysis.subject}.\n2. Change one input at a time.\n3. Note what changes, and why.`;
      break;
    case 'checks':
      text = analysis.terms
        .slice(0, 3)
        .map((term, index) => `- ${term}: ${index === 0 ? 'pass' : 'pass, with a caveat'}, because the behaviour matches the documented contract${index === 0 ? '' : ' once the edge cases are tested'}.`)
        .join('\n');
      if (text === '') text = `- ${analysis.subject}: pass, because the behaviour matches the documented contract.`;
      break;
    default:
      text = `For ${analysis.subject}, ${pick(analysis, 9, ['the points below matter most', 'this is what to keep in mind', 'start from what you can measure'])}: ${termList(analysis)}.`;
  }
  return `## ${name}\n\n${text}`;
}

function pick<T>(analysis: QueryAnalysis, salt: number, choices: readonly T[]): T {
  return choices[(analysis.hash + salt * 2654435761) % choices.length] as T;
}

/** The subject, or the index-th other term when there is one. */
function other(analysis: QueryAnalysis, index: number): string {
  return analysis.otherTerms[index] ?? analysis.subject;
}

function termList(analysis: QueryAnalysis): string {
  const terms = analysis.terms.map((value) => `**${value}**`);
  if (terms.length <= 1) return terms[0] ?? 'the question';
  return `${terms.slice(0, -1).join(', ')} and ${terms.at(-1)}`;
}

function decisionOptions(analysis: QueryAnalysis): [string, string] {
  const [first, second] = analysis.options ?? [analysis.subject, `the alternatives to ${analysis.subject}`];
  return analysis.hash % 2 === 0 ? [first, second] : [second, first];
}

function answerSection(analysis: QueryAnalysis): string {
  const all = termList(analysis);
  switch (analysis.researchType) {
    case 'decision': {
      const [chosen, other] = decisionOptions(analysis);
      return `## Answer

**Recommendation:** use **${chosen}** rather than **${other}** for this case. ${chosen} gives the better balance of operational simplicity, performance and ecosystem maturity for ${all}; choose ${other} only if its specific strengths are a hard requirement.`;
    }
    case 'troubleshooting':
      return `## Answer

The most likely cause is a configuration or resource mismatch around ${all}. Confirm it with the diagnostics below, apply the first fix, and verify before changing anything else.`;
    case 'learning':
      return `## Answer

${pick(analysis, 1, ['In short', 'Put simply', 'At its core'])}, ${analysis.subject} is best understood through what it guarantees and what it costs. This answer covers ${all}, from the core idea to a working example.`;
    case 'validation':
      return `## Answer

**Yes, with caveats.** The approach to ${all} is sound, provided the edge cases below are handled and covered by tests.`;
    case 'implementation':
      return `## Answer

${pick(analysis, 2, ['Build it in small, testable steps', 'Start from a minimal working version', 'Keep the first version small and measurable'])}: the core of ${all} fits in a few lines, shown under Implementation, and the main risks are input validation and error handling.`;
  }
}

function typeSections(analysis: QueryAnalysis): string[] {
  if (analysis.researchType === 'troubleshooting') return troubleshootingSections(analysis);
  if (analysis.researchType === 'decision') return [tradeOffsSection(analysis)];
  return [];
}

/** Problem, Causes, Fixes. */
function troubleshootingSections(analysis: QueryAnalysis): string[] {
  const first = analysis.subject;
  const second = other(analysis, 0);
  return [
    `## Problem

${analysis.query.replace(/\s+/g, ' ')}`,
    `## Causes

1. **Resource limits**: ${first} exhausts memory, connections or file handles under load.
2. **Configuration drift**: the ${second} settings differ between environments.
3. **Version mismatch**: a dependency of ${second} changed behaviour in a minor release.`,
    `## Fixes

1. Raise the limit that the logs name for ${first}, then add a metric and an alert for it.
2. Print the effective ${second} configuration at startup and compare it across environments.
3. Pin the dependency versions and read the changelog between the working and failing versions.`,
  ];
}

function tradeOffsSection(analysis: QueryAnalysis): string {
  const [chosen, other] = decisionOptions(analysis);
  return `## Trade-offs

| Criterion | ${chosen} | ${other} |
| --- | --- | --- |
| Performance | predictable under load | strong in narrower cases |
| Operations | simple to run | more moving parts |
| Ecosystem | mature, well documented | smaller |`;
}

function evidenceSection(analysis: QueryAnalysis): string {
  return `## Evidence

- The official documentation for ${other(analysis, 0)} describes this approach to ${analysis.subject} and its limits.
- Production reports show that ${analysis.subject} problems appear under realistic load, not in small tests.
- ${pick(analysis, 3, ['Benchmarks', 'Measurements', 'Load tests'])} of ${other(analysis, 1)} favour measuring before tuning.`;
}

function implementationSection(analysis: QueryAnalysis, withCode: boolean): string {
  if (!withCode) {
    return `## Implementation

1. Write down the expected behaviour of ${analysis.subject} as a test.
2. Implement the smallest version that passes it.
3. Add error handling and measure before optimising.`;
  }
  return `## Implementation

\`\`\`${analysis.language}
${codeSample(analysis.language, analysis.terms)}
\`\`\`

Run the test, then measure with realistic data before optimising.`;
}
