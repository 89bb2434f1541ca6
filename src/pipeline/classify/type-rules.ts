import type { ResearchType } from '../../core/research.js';
import type { Rule } from './rule.js';

/**
 * Phrasings that signal each research type. Weights are relative votes: a strong, specific
 * phrase (`should i use x or y`) outweighs a generic one (`how do i`), so "how do I decide
 * between…" still lands on decision. Patterns run on the lower-cased query.
 */
export const RESEARCH_TYPE_RULES: readonly Rule<ResearchType>[] = [
  // decision: choosing between options
  { label: 'decision', name: 'phrase:"should i/we <verb>"', weight: 2.2, pattern: /\bshould (?:i|we|our team) (?:use|pick|choose|go|adopt|switch|learn|move|stick|store|migrate|rewrite|standardi[sz]e|stay)\b/ },
  { label: 'decision', name: 'word:"vs"', weight: 2.0, pattern: /\b(?:vs\.?|versus)\s/ },
  { label: 'decision', name: 'phrase:"which is better"', weight: 2.2, pattern: /\bwhich (?:is|one is|would be) (?:better|faster|best|the better)\b/ },
  { label: 'decision', name: 'phrase:"which <noun> should"', weight: 1.8, pattern: /\bwhich (?:\S+ ){0,3}(?:should|would|to use|do you)\b/ },
  { label: 'decision', name: 'phrase:"which one"', weight: 1.2, pattern: /\bwhich one\b/ },
  { label: 'decision', name: 'phrase:"better/best choice"', weight: 1.8, pattern: /\b(?:better|best|good|right|smarter|safer) (?:choice|option|fit|call|bet|pick)\b/ },
  { label: 'decision', name: 'phrase:"better to / smarter to"', weight: 1.8, pattern: /\b(?:better|smarter|wiser) to\b/ },
  { label: 'decision', name: 'phrase:"choose between"', weight: 2.2, pattern: /\b(?:choos(?:e|ing)|pick(?:ing)?|decid(?:e|ing)|select(?:ing)?) (?:between|one|from)\b/ },
  { label: 'decision', name: 'phrase:"what would you pick"', weight: 2.2, pattern: /\bwhat (?:would|should|do) (?:you|i|we) (?:pick|choose|use|recommend|go with)\b/ },
  { label: 'decision', name: 'phrase:"how do i decide"', weight: 2.4, pattern: /\bhow (?:do|should|can) (?:i|we) (?:decide|choose|pick|select)\b/ },
  { label: 'decision', name: 'shape:"A, B or C"', weight: 1.2, pattern: /\b[\w.+#-]+, [\w.+#-]+(?: [\w.+#-]+)?,? or [\w.+#-]+/ },
  { label: 'decision', name: 'word:"recommend"', weight: 1.2, pattern: /\brecommend(?:ation|ed)?\b/ },
  { label: 'decision', name: 'phrase:"worth it"', weight: 1.6, pattern: /\b(?:worth (?:it|the|migrating|switching|moving|adopting)|is it worth)\b/ },
  { label: 'decision', name: 'word:"trade-offs/pros and cons"', weight: 1.4, pattern: /\b(?:trade-?offs?|pros and cons|alternatives?)\b/ },
  { label: 'decision', name: 'phrase:"go/stick with"', weight: 1.2, pattern: /\b(?:go with|stick with|switch(?:ing)? to|move to|migrate to|adopt|standardi[sz]e on|stay on)\b/ },
  { label: 'decision', name: 'shape:"X or Y" opening', weight: 1.6, pattern: /^(?:\S+ ){0,3}\S+ or \S+/ },
  { label: 'decision', name: 'shape:"X or Y?"', weight: 0.8, pattern: /\b\S+ or \S+[^?]*\?\s*$/ },
  { label: 'decision', name: 'word:"overkill/instead"', weight: 0.8, pattern: /\b(?:overkill|instead)\b/ },

  // implementation: building something
  { label: 'implementation', name: 'phrase:"how do i"', weight: 1.8, pattern: /\bhow (?:do|can|would|should) (?:i|we|you|one)\b/ },
  { label: 'implementation', name: 'phrase:"how to"', weight: 1.8, pattern: /\bhow to\b/ },
  { label: 'implementation', name: 'word:"implement"', weight: 1.6, pattern: /\bimplement(?:ing|ation of)?\b/ },
  { label: 'implementation', name: 'phrase:"example of/show me"', weight: 1.6, pattern: /\b(?:example of|examples of|sample code|snippet|show me|code for|code to|the code|give me (?:a|an|the|some)|walk me through setting|step[- ]by[- ]step)\b/ },
  { label: 'implementation', name: 'verb:"write/create/build/set up"', weight: 1.6, pattern: /^(?:please )?(?:write|create|build|set up|setup|make|generate|implement|configure|add|give me|show me)\b|\b(?:help me (?:write|build|set up|create)|i need (?:code|a script|a function)|need a script)\b/ },
  { label: 'implementation', name: 'phrase:"set up/configure"', weight: 1.0, pattern: /\b(?:set ?up|setting up|configure|integrat(?:e|ing)|deploy|wire up|hook up)\b/ },
  { label: 'implementation', name: 'phrase:"is there a way to"', weight: 1.8, pattern: /\bis there (?:a|any) (?:way|library|crate|package|tool) to\b/ },
  { label: 'implementation', name: 'phrase:"best way to"', weight: 1.6, pattern: /\b(?:best|cleanest|easiest|simplest|right|proper|idiomatic|fastest) way to\b/ },
  { label: 'implementation', name: 'phrase:"i want my … to"', weight: 1.0, pattern: /\bi want (?:my|our|to (?:build|write|create|add))\b/ },
  { label: 'implementation', name: 'phrase:"how would you structure"', weight: 1.4, pattern: /\bhow would you (?:structure|design|build|write|implement)\b/ },

  // troubleshooting: something is broken
  { label: 'troubleshooting', name: 'shape:exception name', weight: 2.5, original: true, pattern: /\b[A-Z][A-Za-z]+(?:Error|Exception)\b/ },
  { label: 'troubleshooting', name: 'shape:compiler error code', weight: 3.0, pattern: /\berror\[?e\d{3,4}\]?|\bts\d{4}\b/ },
  { label: 'troubleshooting', name: 'shape:file:line', weight: 2.5, pattern: /\w\.(?:rs|py|js|ts|java|go|c|cc|cpp|rb|kt):\d+/ },
  { label: 'troubleshooting', name: 'word:"error/exception"', weight: 1.6, pattern: /\b(?:errors?|exceptions?|traceback|stack ?trace|panick?(?:ed|s)?|segfault|segmentation fault|core dump(?:ed)?)\b/ },
  { label: 'troubleshooting', name: 'word:"fails/crash"', weight: 1.6, pattern: /\b(?:fail(?:s|ed|ing|ure)?|crash(?:es|ed|ing)?|broken|breaks|not working|doesn't work|isn't working|won't|stopped working|rejected|refused|denied)\b/ },
  { label: 'troubleshooting', name: 'word:"hangs/stuck/deadlock"', weight: 1.6, pattern: /\b(?:hangs?|hanging|stuck|deadlocks?|frozen|freezes|infinite loop|times? out|timeouts?|timed out|oom|oom-?killed|out of memory|leak(?:s|ing)?|nan)\b/ },
  { label: 'troubleshooting', name: 'word:"slow/spikes/lag"', weight: 1.2, pattern: /\b(?:slow(?:er)?|spikes?|lag|latency spikes|janky|bloat|pile up|grows?|growing|keeps? (?:\w+ing)|randomly|intermittent(?:ly)?|suddenly|drop(?:s|ped)?|repeatedly)\b/ },
  { label: 'troubleshooting', name: 'shape:status code', weight: 1.2, pattern: /\b(?:exit(?:s|ed)? (?:immediately )?(?:with )?(?:code|status)|returns? \d{3}|[45]0\d\b|bad gateway|code \d{3})/ },
  { label: 'troubleshooting', name: 'phrase:"how do i fix"', weight: 2.6, pattern: /\b(?:how (?:do|can) (?:i|we) (?:fix|solve|resolve|debug|get rid of|get unblocked)|fix (?:this|it)|what could be going on|explain why (?:my|our|this|the)|something(?:'s| is) (?:off|wrong)|what(?:'s| is) going on|what causes|what went wrong|why (?:is|does|do|did) (?:my|our|the app|this (?:query|code|test)))/ },
  { label: 'troubleshooting', name: 'phrase:"even though/but works"', weight: 1.6, pattern: /\b(?:even though|although|but works|works (?:locally|in|with|fine)|only when|after (?:upgrading|updating|enabling|installing|restoring|restarting|switching|rotating|the (?:deploy|upgrade|update|migration)))\b/ },
  { label: 'troubleshooting', name: 'shape:regression/wrong result', weight: 1.5, pattern: /\bwent from .+ to\b|\b(?:different|inconsistent|unexpected|wrong|incorrect) (?:results?|output|values?|answers?)\b|\breturns? (?:nothing|null|undefined|empty|none|wrong)\b|\binvalid (?:read|write|free|pointer)\b/ },
  { label: 'troubleshooting', name: 'word:"complains/warning"', weight: 1.2, pattern: /\b(?:complains?|warnings?|does not live long enough|cannot borrow|not found|no module|unable to|can't|cannot)\b/ },
  { label: 'troubleshooting', name: 'phrase:"production is down"', weight: 1.6, pattern: /\b(?:is down|went down|in production|prod is|outage)\b/ },

  // learning: understanding a concept
  { label: 'learning', name: 'phrase:"what is"', weight: 1.8, pattern: /^(?:so )?(?:what is|what's|what are|whats)\b(?! the (?:best|better|cleanest|right|easiest|fastest|simplest|recommended|most)\b)/ },
  { label: 'learning', name: 'phrase:"understanding x"', weight: 1.5, pattern: /^(?:understanding|intro(?:duction)? to|the basics of)\b/ },
  { label: 'learning', name: 'phrase:"how should i think about"', weight: 2.5, pattern: /\bhow (?:should|do|can) (?:i|we|one) (?:think about|reason about|make sense of)\b/ },
  { label: 'learning', name: 'word:"explain"', weight: 2.0, pattern: /\b(?:explain|explanation|describe|eli5|like i'm five|in simple terms|teach me|intro to|introduction to)\b/ },
  { label: 'learning', name: 'word:"understand"', weight: 1.4, pattern: /\b(?:understand|understanding)\b/ },
  { label: 'learning', name: 'phrase:"how does x work"', weight: 1.8, pattern: /^how (?:does|do|did|is|are)\b(?! (?:i|we|you)\b)|\bhow (?:\S+ ){1,4}works?\b/ },
  { label: 'learning', name: 'phrase:"difference between"', weight: 1.6, pattern: /\b(?:difference between|differ(?:s|ent)? from|compared to|similar to|the idea behind|the point of|mental model|under the hood|conceptually|fundamentals|basics of|the basics|the role of)\b/ },
  { label: 'learning', name: 'phrase:"why do/does"', weight: 1.2, pattern: /^why (?:do|does|is|are|did)\b(?! (?:my|our)\b)/ },
  { label: 'learning', name: 'phrase:"what does x mean"', weight: 1.6, pattern: /\bwhat does .+ (?:mean|guarantee|do)\b|\bwhat does it desugar|\bwhy do we need\b/ },
  { label: 'learning', name: 'phrase:"walk me through how"', weight: 1.6, pattern: /\bwalk me through how\b|\bhow (?:do i )?think about\b|\bhow .* evolve/ },

  // validation: checking something the asker already has
  { label: 'validation', name: 'phrase:"is it correct/safe"', weight: 2.4, pattern: /\b(?:is|are) (?:it|this|that|these|my|our|using|storing|calling) (?:\S+ ){0,6}?(?:correct|right|safe|ok|okay|fine|valid|sound|secure|acceptable|reasonable|idiomatic|thread-safe|true|sufficient|a (?:good|bad) (?:idea|practice)|a mistake|a problem|undefined behaviou?r|too permissive|over-?engineering)\b/ },
  { label: 'validation', name: 'word:"review/verify/audit"', weight: 2.2, pattern: /\b(?:review|audit|verify|validate|double-check|sanity check|check (?:my|our|this|that)|can you check|confirm|evaluate whether|code review|look right|make sense|am i right|did i get|my understanding|mental model right|thoughts on my|am i misusing)\b/ },
  { label: 'validation', name: 'shape:yes/no question', weight: 1.2, pattern: /^(?:is|are|does|do|did|am|can|would|was|will) (?:it|this|that|my|our|these|using|storing|calling|i|we)\b/ },
  { label: 'validation', name: 'word:"safe/correct/risky"', weight: 0.9, pattern: /\b(?:correct(?:ly)?|safe(?:ly)?|sound|sensible|acceptable|reasonable|risky|sufficient|pitfalls?|misusing|a bad idea|a mistake|permissive|over-?engineering|vulnerable|exploitable|leak memory|race condition|true)\b/ },
  { label: 'validation', name: 'phrase:"this code/my approach"', weight: 1.4, pattern: /\b(?:this (?:code|implementation|config(?:uration)?|approach|schema|dockerfile|regex|one-liner|plan)|my (?:approach|plan|reasoning|calculation|structure|configuration|config|code|implementation|dockerfile)|our (?:plan|approach|setup|design|strategy|policy|config(?:uration)?|implementation|fix)|here's my|i wrote this|is our)\b/ },
];
