import type { Urgency } from '../../core/research.js';
import type { Rule } from './rule.js';

/**
 * How soon the answer is needed. Immediate: something is broken now or a deadline is named.
 * Planned: work on a project the asker is building or choosing for. Exploratory: curiosity and
 * concepts. The research type is the strongest single predictor, which the trained part of the
 * classifier learns from the `type:<x>` feature; these rules add the explicit cues.
 */
export const URGENCY_RULES: readonly Rule<Urgency>[] = [
  { label: 'immediate', name: 'phrase:"urgent/asap"', weight: 3.0, pattern: /\b(?:urgent(?:ly)?|asap|right now|immediately|emergency|quickly|by tomorrow|by today|by end of day|tonight|go(?:ing)? live|about to ship|before we ship|blocked)\b/ },
  { label: 'immediate', name: 'phrase:"production is down"', weight: 2.5, pattern: /\b(?:production is|prod is|is down|went down|outage|incident|in production|on call|on-call|pager)\b/ },
  { label: 'immediate', name: 'shape:error message', weight: 1.6, original: true, pattern: /\b[A-Z][A-Za-z]+(?:Error|Exception)\b|error\[E\d{4}\]|\b(?:FATAL|ERROR|panicked)\b|\w\.(?:rs|py|js|ts|java|go):\d+/ },
  { label: 'immediate', name: 'word:"fails/crash"', weight: 1.2, pattern: /\b(?:fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|broken|not working|stuck|hangs?|deadlock|killed|returns? \d{3}|bad gateway|suddenly|randomly|intermittent(?:ly)?|spik(?:e|es|ing)|keeps? \w+ing|won't|can't|cannot|is not|isn't|aren't|doesn't)\b/ },
  { label: 'planned', name: 'phrase:"our team/project"', weight: 1.2, pattern: /\b(?:our (?:team|project|app|service|stack|company|startup|product|api|platform|plan)|new (?:project|service|app|dashboard)|we (?:plan|are planning|'re planning|need to choose|want to)|we're (?:planning|building|about)|next (?:quarter|sprint|release)|roadmap|migrat(?:e|ion|ing))\b/ },
  { label: 'planned', name: 'phrase:"should we / for our"', weight: 1.0, pattern: /\b(?:should (?:we|our team|i use|i go)|for (?:our|my|a) (?:\S+ ){0,2}(?:app|service|api|site|project|team|system|pipeline|cluster|bot))\b/ },
  { label: 'exploratory', name: 'phrase:"curious/wondering"', weight: 2.0, pattern: /\b(?:curious|wondering|just wondering|out of interest|in general|conceptually|theory|history|eli5|interview)\b/ },
  { label: 'exploratory', name: 'phrase:"what is/explain"', weight: 1.4, pattern: /^(?:what is|what's|what are|explain|how does|how do .+ work|why do|why does|why is (?!my|our))|\b(?:explain|understand|difference between|mental model|concept)\b/ },
];
