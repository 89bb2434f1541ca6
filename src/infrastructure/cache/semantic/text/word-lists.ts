/**
 * Built-in word lists standing in for a corpus word-frequency table (no download needed):
 * function words carry no weight, very common "generic" words little, the rest full weight.
 * Words here are surface forms (lowercase); callers stem them where needed.
 */

/** Function words: ignored for content-term matching and given no embedding weight. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the is are was were be been being am to of in on for with at by from as and or but if then than ' +
    'that this these those it its it\'s i you your yours we our ours my me mine he she they them their his her ' +
    'do does did doing done can could should would will shall may might must how what which who whom whose ' +
    'why when where there here so such some any each every about into onto over under up down out off just also ' +
    'very more most other others own same too s t d ll m re ve please vs versus via whether while during ' +
    'both either all one ones us let lets yes okay ok well really actually basically simply following given ' +
    'e.g i.e etc its itself themselves yourself myself within inside into onto between among'
  ).split(/\s+/),
);

/**
 * Interrogatives that change what is being asked. `how`, `what` and `which` are interchangeable
 * in paraphrases ("How do I …" / "What is the way to …"); these are not.
 */
export const SPECIFIC_INTERROGATIVES: ReadonlySet<string> = new Set(['why', 'when', 'where', 'who']);

/**
 * Modal verbs by what they ask (issue 19: "Can I …?" and "Should I …?" have different answers).
 * Words of one group paraphrase each other ("can"/"could", "will"/"would").
 */
export const MODAL_GROUPS: ReadonlyMap<string, string> = new Map([
  ['can', 'ability'], ['could', 'ability'], ['able', 'ability'],
  ['should', 'advice'], ['ought', 'advice'],
  ['must', 'obligation'], ['shall', 'obligation'],
  ['will', 'future'], ['would', 'future'], ["won't", 'future'],
  // "May I …" asks what "Can I …" asks.
  ['may', 'ability'], ['might', 'ability'],
]);

/**
 * Personal pronouns by referent. First and second person are one group ("How do I …" and "How do
 * you …" ask the same), and only their object and possessive forms count: "What has changed
 * *you*?" is not "What has changed?". Third persons are kept apart ("his" vs "her").
 */
export const PRONOUN_GROUPS: ReadonlyMap<string, string> = new Map([
  // Not the speaker's possessive determiners (my/our/your): "add a probe to my deployment" and "… to
  // a deployment" ask the same thing of an assistant; a third person's ("his code") still differs.
  ['me', 'speaker'], ['mine', 'speaker'], ['myself', 'speaker'], ['yours', 'speaker'],
  ['yourself', 'speaker'], ['us', 'speaker'], ['ours', 'speaker'], ['ourselves', 'speaker'],
  ['he', 'he'], ['him', 'he'], ['his', 'he'], ['himself', 'he'],
  ['she', 'she'], ['her', 'she'], ['hers', 'she'], ['herself', 'she'],
  ['they', 'they'], ['them', 'they'], ['their', 'they'], ['theirs', 'they'], ['themselves', 'they'],
]);

/**
 * Negation cues (after contraction expansion). "fail to", "unable to" are negative-polarity
 * phrasings that paraphrase a plain "not".
 */
export const NEGATION_CUES: ReadonlySet<string> = new Set([
  'not', 'no', 'never', 'without', 'none', 'nothing', 'neither', 'nor', 'nobody', 'nowhere', 'cannot',
  'unable', 'fails', 'fail', 'failed', 'failing', 'lacks', 'lack', 'lacking', 'excluding', 'except',
]);

/**
 * Very common words that rarely decide what a question is about. They keep a small weight in the
 * embedding and count little when the verifier compares key terms.
 */
export const GENERIC_WORDS: ReadonlySet<string> = new Set(
  (
    'use used uses using usage utilize utilizes employ employs employed way ways thing things work works working ' +
    'make makes making made need needs needed want wants know able possible help helps good example examples ' +
    'something someone anything different various allow allows allowed provide provides provided providing ' +
    'give gives given try tries look see tell say mean means include includes including included within along ' +
    'lot lots kind kinds many much few several multiple certain specific particular basic general like just ' +
    'instead developer developers people person approach enable enables enabled enabling offer offers offered ' +
    'serve serves served act acts additionally furthermore moreover therefore however thus additional extra ' +
    'available called named known refer refers capable ability manner fashion currently simply easily ' +
    'essentially generally typically usually able possibly also really actually app apps application ' +
    'applications program programs project projects machine machines code tool tools platform best proper ' +
    'properly correctly purpose meaning effect'
  ).split(/\s+/),
);

/** Written numbers and ordinals, mapped to their value. */
export const WRITTEN_NUMBERS: ReadonlyMap<string, number> = new Map<string, number>([
  ['zero', 0], ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7],
  ['eight', 8], ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['thirteen', 13], ['fourteen', 14],
  ['fifteen', 15], ['sixteen', 16], ['seventeen', 17], ['eighteen', 18], ['nineteen', 19], ['twenty', 20],
  ['thirty', 30], ['forty', 40], ['fifty', 50], ['sixty', 60], ['seventy', 70], ['eighty', 80], ['ninety', 90],
  ['hundred', 100], ['thousand', 1000], ['million', 1_000_000], ['billion', 1_000_000_000], ['dozen', 12],
  ['single', 1], ['double', 2], ['twice', 2], ['triple', 3], ['half', 0.5], ['quarter', 0.25],
]);

/** Ordinals, kept apart from cardinals ("first step" is not "1 step"); digits such as "2nd" map here too. */
export const ORDINAL_WORDS: ReadonlyMap<string, number> = new Map<string, number>([
  ['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['fifth', 5], ['sixth', 6], ['seventh', 7],
  ['eighth', 8], ['ninth', 9], ['tenth', 10],
]);

/** Written numbers whose meaning is often not a quantity ("one of", "a second look", "first, …"). */
export const WEAK_WRITTEN_NUMBERS: ReadonlySet<string> = new Set([
  'one', 'single', 'first', 'second', 'half', 'dozen', 'hundred', 'thousand', 'million', 'billion',
]);

/**
 * Pairs whose members mean opposite things in a question; a difference here is never a paraphrase.
 * Compared after stemming.
 */
export const ANTONYM_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['install', 'uninstall'], ['enable', 'disable'], ['add', 'remove'], ['start', 'stop'], ['increase', 'decrease'],
  ['encrypt', 'decrypt'], ['read', 'write'], ['import', 'export'], ['upload', 'download'], ['push', 'pull'],
  ['load', 'save'], ['load', 'unload'], ['startup', 'shutdown'],
  // Contrasting steps of one workflow: asking about one is not asking about the other.
  ['train', 'evaluate'], ['train', 'test'], ['train', 'infer'], ['training', 'inference'], ['compile', 'run'],
  ['build', 'deploy'], ['commit', 'push'], ['fetch', 'pull'], ['clone', 'fork'], ['backup', 'restore'],
  ['serialize', 'parse'], ['produce', 'consume'], ['producer', 'consumer'], ['publish', 'subscribe'],
  ['request', 'response'], ['send', 'receive'], ['get', 'set'], ['read', 'update'], ['min', 'max'], ['minimum', 'maximum'], ['first', 'last'], ['before', 'after'], ['faster', 'slower'],
  ['fast', 'slow'], ['open', 'close'], ['lock', 'unlock'], ['mount', 'unmount'], ['serialize', 'deserialize'],
  ['encode', 'decode'], ['compress', 'decompress'], ['upgrade', 'downgrade'], ['allow', 'deny'],
  ['allow', 'block'], ['public', 'private'], ['sync', 'async'], ['synchronous', 'asynchronous'],
  ['input', 'output'], ['client', 'server'], ['frontend', 'backend'], ['horizontal', 'vertical'],
  ['horizontally', 'vertically'], ['row', 'column'], ['rows', 'columns'], ['inner', 'outer'], ['left', 'right'], ['ascending', 'descending'],
  ['true', 'false'], ['valid', 'invalid'], ['success', 'failure'], ['connect', 'disconnect'],
  ['subscribe', 'unsubscribe'], ['include', 'exclude'], ['show', 'hide'], ['attach', 'detach'],
  ['zip', 'unzip'], ['merge', 'split'], ['greater', 'less'], ['more', 'less'], ['more', 'fewer'],
  ['above', 'below'], ['over', 'under'], ['higher', 'lower'], ['largest', 'smallest'], ['biggest', 'smallest'],
  ['oldest', 'newest'], ['old', 'new'], ['earliest', 'latest'], ['since', 'until'], ['inbound', 'outbound'],
  ['ingress', 'egress'], ['static', 'dynamic'], ['mutable', 'immutable'], ['stateful', 'stateless'],
  ['blocking', 'nonblocking'], ['optional', 'required'], ['lowercase', 'uppercase'], ['prefix', 'suffix'],
  ['head', 'tail'], ['begin', 'end'], ['start', 'end'], ['beginning', 'end'], ['top', 'bottom'], ['up', 'down'],
];
