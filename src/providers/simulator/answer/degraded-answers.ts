import type { QueryAnalysis } from './query-analysis.js';

/** Answers a quality gate must reject: off topic, refusing, or hedging without substance. */

const OFF_TOPIC: readonly string[] = [
  `## Sourdough basics

A healthy starter doubles within six to eight hours of feeding. Keep it at room temperature, feed it equal weights of flour and water, and use it at its peak.

## Shaping

Build surface tension with a few folds, then proof the loaf in a floured basket overnight in the refrigerator.
`,
  `## Caring for houseplants

Most houseplants die from overwatering, not neglect. Water when the top two centimetres of soil are dry, and make sure the pot drains.

## Light

Bright, indirect light suits the majority of common species; rotate the pot every few weeks for even growth.
`,
  `## The printing press

Johannes Gutenberg's movable-type press, built around 1440, combined a screw press with metal type and oil-based ink.

## Its impact

Printed books spread literacy across Europe within decades and helped standardise spelling and grammar.
`,
];

export function offTopicAnswer(analysis: QueryAnalysis): string {
  return OFF_TOPIC[analysis.hash % OFF_TOPIC.length] as string;
}

export function refusalAnswer(): string {
  return "I'm sorry, but I can't help with that request.\n";
}

export function hedgingAnswer(analysis: QueryAnalysis): string {
  const topic = analysis.terms[0] ?? 'this';
  return `It really depends on your situation. There are many factors to consider with ${topic}, and it might be worth looking into different options. Some people prefer one approach while others prefer another, so it could go either way. You may want to research this further, perhaps consult the documentation, and possibly experiment to see what works for you. Ultimately there is no single right answer.\n`;
}
