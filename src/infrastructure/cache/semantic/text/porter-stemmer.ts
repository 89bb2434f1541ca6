/**
 * The Porter (1980) stemmer, original algorithm, for lowercase ASCII words. Used by the local
 * embedder and the verifier so that "configure", "configured" and "configuration" count as
 * one term. Results are memoised (bounded) because the same words recur in every query.
 */

const MEMO_LIMIT = 50_000;
const memo = new Map<string, string>();

/** Stems one lowercase word; words shorter than 3 letters or with non-letters are returned as is. */
export function porterStem(word: string): string {
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word;
  const cached = memo.get(word);
  if (cached !== undefined) return cached;
  const result = stemWord(word);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(word, result);
  return result;
}

function isConsonant(word: string, index: number): boolean {
  const char = word[index];
  if (char === 'a' || char === 'e' || char === 'i' || char === 'o' || char === 'u') return false;
  if (char === 'y') return index === 0 ? true : !isConsonant(word, index - 1);
  return true;
}

/** m(): the number of VC sequences in word[0..end]. */
function measure(word: string, end: number): number {
  let count = 0;
  let index = 0;
  while (index <= end && isConsonant(word, index)) index++;
  while (index <= end) {
    while (index <= end && !isConsonant(word, index)) index++;
    if (index > end) break;
    while (index <= end && isConsonant(word, index)) index++;
    count++;
  }
  return count;
}

function hasVowel(word: string, end: number): boolean {
  for (let index = 0; index <= end; index++) if (!isConsonant(word, index)) return true;
  return false;
}

function endsWithDoubleConsonant(word: string): boolean {
  const length = word.length;
  return length >= 2 && word[length - 1] === word[length - 2] && isConsonant(word, length - 1);
}

/** *o: stem ends cvc where the last c is not w, x or y. */
function endsCvc(word: string): boolean {
  const length = word.length;
  if (length < 3) return false;
  if (!isConsonant(word, length - 1) || isConsonant(word, length - 2) || !isConsonant(word, length - 3)) return false;
  const last = word[length - 1];
  return last !== 'w' && last !== 'x' && last !== 'y';
}

function replaceSuffix(word: string, rules: ReadonlyArray<readonly [string, string]>, minMeasure: number): string {
  for (const [suffix, replacement] of rules) {
    if (word.endsWith(suffix)) {
      const stemEnd = word.length - suffix.length - 1;
      return measure(word, stemEnd) > minMeasure ? word.slice(0, stemEnd + 1) + replacement : word;
    }
  }
  return word;
}

const STEP2: ReadonlyArray<readonly [string, string]> = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['bli', 'ble'],
  ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'], ['ation', 'ate'],
  ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'],
  ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
];
const STEP3: ReadonlyArray<readonly [string, string]> = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
];
const STEP4 = [
  'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate',
  'iti', 'ous', 'ive', 'ize',
];

function stemWord(input: string): string {
  let word = input;
  // Step 1a: plurals.
  if (word.endsWith('sses')) word = word.slice(0, -2);
  else if (word.endsWith('ies')) word = word.slice(0, -2);
  else if (!word.endsWith('ss') && word.endsWith('s')) word = word.slice(0, -1);

  // Step 1b: -eed, -ed, -ing.
  let step1bSecond = false;
  if (word.endsWith('eed')) {
    if (measure(word, word.length - 4) > 0) word = word.slice(0, -1);
  } else if (word.endsWith('ed') && hasVowel(word, word.length - 3)) {
    word = word.slice(0, -2);
    step1bSecond = true;
  } else if (word.endsWith('ing') && hasVowel(word, word.length - 4)) {
    word = word.slice(0, -3);
    step1bSecond = true;
  }
  if (step1bSecond) {
    if (word.endsWith('at') || word.endsWith('bl') || word.endsWith('iz')) word += 'e';
    else if (endsWithDoubleConsonant(word) && !/[lsz]$/.test(word)) word = word.slice(0, -1);
    else if (measure(word, word.length - 1) === 1 && endsCvc(word)) word += 'e';
  }

  // Step 1c: y → i when the stem has a vowel.
  if (word.endsWith('y') && hasVowel(word, word.length - 2)) word = word.slice(0, -1) + 'i';

  word = replaceSuffix(word, STEP2, 0);
  word = replaceSuffix(word, STEP3, 0);

  // Step 4: drop suffixes when m > 1.
  for (const suffix of STEP4) {
    if (!word.endsWith(suffix)) continue;
    const stemEnd = word.length - suffix.length - 1;
    if (measure(word, stemEnd) > 1) {
      if (suffix === 'ion') {
        const last = word[stemEnd];
        if (last === 's' || last === 't') word = word.slice(0, stemEnd + 1);
      } else {
        word = word.slice(0, stemEnd + 1);
      }
    }
    break;
  }

  // Step 5a/5b: final e and ll.
  if (word.endsWith('e')) {
    const m = measure(word, word.length - 2);
    if (m > 1 || (m === 1 && !endsCvc(word.slice(0, -1)))) word = word.slice(0, -1);
  }
  if (measure(word, word.length - 1) > 1 && endsWithDoubleConsonant(word) && word.endsWith('l')) word = word.slice(0, -1);
  return word;
}
