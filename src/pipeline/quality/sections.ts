/**
 * Heading words accepted for each required section, so an answer titled "## Root cause" satisfies
 * "Causes" and "## TL;DR" satisfies "Answer". Matching is on whole words of the heading.
 */
const SECTION_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  recommendation: ['recommendation', 'recommendations', 'recommended', 'tl;dr', 'tldr', 'bottom line', 'short answer', 'our pick', 'verdict'],
  comparison: ['comparison', 'compared', 'compare', 'trade-offs', 'tradeoffs', 'trade-off', 'pros and cons', 'vs', 'versus', 'options'],
  evidence: ['evidence', 'sources', 'references', 'benchmarks', 'rationale', 'justification', 'why', 'further reading', 'citations'],
  implementation: ['implementation', 'code', 'how to', 'setup', 'set up', 'getting started', 'migration', 'steps', 'usage'],
  answer: ['answer', 'summary', 'overview', 'tl;dr', 'tldr', 'short answer', 'approach', 'in short'],
  problem: ['problem', 'symptom', 'symptoms', 'diagnosis', 'issue', "what's happening", 'what is happening'],
  causes: ['causes', 'cause', 'root cause', 'root causes', 'why it happens', 'reasons', 'likely causes'],
  fixes: ['fixes', 'fix', 'solution', 'solutions', 'resolution', 'workaround', 'workarounds', 'remedy', 'remedies'],
  concepts: ['concepts', 'concept', 'key ideas', 'how it works', 'fundamentals', 'background', 'terminology', 'key terms'],
  example: ['example', 'examples', 'in practice', 'demo', 'walkthrough', 'worked example'],
  verdict: ['verdict', 'short answer', 'conclusion', 'tl;dr', 'tldr', 'summary', 'answer'],
  checks: ['checks', 'check', 'review', 'analysis', 'findings', 'issues found', 'what i checked'],
};

function normalise(heading: string): string {
  return ` ${heading.toLowerCase().replace(/[^a-z0-9;'\- ]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
}

/** The required sections missing from the answer's headings (each heading satisfies at most one). */
export function missingSections(headings: readonly { text: string }[], required: readonly string[]): string[] {
  const candidates = headings.map((heading) => normalise(heading.text));
  const used = new Set<number>();
  const missing: string[] = [];
  for (const section of required) {
    const synonyms = SECTION_SYNONYMS[section.toLowerCase()] ?? [section.toLowerCase()];
    const index = candidates.findIndex(
      (heading, i) => !used.has(i) && synonyms.some((synonym) => heading.includes(` ${synonym} `)),
    );
    if (index < 0) missing.push(section);
    else used.add(index);
  }
  return missing;
}
