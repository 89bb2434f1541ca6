import { codeSample } from './code-samples.js';
import type { QueryAnalysis } from './query-analysis.js';

/**
 * The `good` answer: Markdown with `## Answer`, `## Evidence` and `## Implementation` (with a
 * fenced code block), naming the question's key terms. Decisions lead with a recommendation;
 * troubleshooting goes Problem → Causes → Fixes. Phrasing varies by the question's hash, so
 * the same question always gets the same answer. `withCode: false` is the `no_code` mode.
 */
export function researchAnswer(analysis: QueryAnalysis, withCode: boolean): string {
  const sections = [answerSection(analysis), ...typeSections(analysis), evidenceSection(analysis), implementationSection(analysis, withCode)];
  return `${sections.join('\n\n')}\n`;
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
  if (analysis.researchType === 'troubleshooting') {
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
  if (analysis.researchType === 'decision') {
    const [chosen, other] = decisionOptions(analysis);
    return [
      `## Trade-offs

| Criterion | ${chosen} | ${other} |
| --- | --- | --- |
| Performance | predictable under load | strong in narrower cases |
| Operations | simple to run | more moving parts |
| Ecosystem | mature, well documented | smaller |`,
    ];
  }
  return [];
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
