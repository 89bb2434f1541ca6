/** What the evaluator needs to know about a Markdown answer, gathered in one pass over its lines. */
export interface AnswerAnatomy {
  headings: { level: number; text: string }[];
  /** Closed fenced blocks (an unclosed trailing block is counted in `unclosedFence` instead). */
  codeBlocks: { language: string; lineCount: number }[];
  unclosedFence: boolean;
  listItems: number;
  numberedItems: number;
  tableRows: number;
  paragraphs: number;
  longestParagraphWords: number;
  /** Inline `code` spans in prose. */
  inlineCode: number;
  /** Prose lines (outside code fences), joined by newlines: what detectors read. */
  prose: string;
  /** All code text, for relevance (code names the APIs). */
  code: string;
  /** Whitespace-separated words in the whole answer. */
  words: number;
  /** The last non-empty line and what kind it is, for truncation checks. */
  lastLine: { text: string; kind: 'prose' | 'heading' | 'list' | 'table' | 'fence' | 'code' | 'none' };
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/;
const LIST_ITEM = /^\s*(?:[-*+]|(\d+)[.)])\s+/;
const TABLE_ROW = /^\s*\|/;

export function analyseAnswer(answer: string): AnswerAnatomy {
  const anatomy: AnswerAnatomy = {
    headings: [],
    codeBlocks: [],
    unclosedFence: false,
    listItems: 0,
    numberedItems: 0,
    tableRows: 0,
    paragraphs: 0,
    longestParagraphWords: 0,
    inlineCode: 0,
    prose: '',
    code: '',
    words: 0,
    lastLine: { text: '', kind: 'none' },
  };
  const proseLines: string[] = [];
  const codeLines: string[] = [];
  let fence: { marker: string; language: string; lineCount: number } | undefined;
  let paragraphWords = 0;
  const endParagraph = () => {
    if (paragraphWords > 0) {
      anatomy.paragraphs++;
      if (paragraphWords > anatomy.longestParagraphWords) anatomy.longestParagraphWords = paragraphWords;
    }
    paragraphWords = 0;
  };

  for (const line of answer.split('\n')) {
    const wordCount = countWords(line);
    anatomy.words += wordCount;
    const first = firstNonSpace(line);
    const fenceMatch = first === 96 || first === 126 ? FENCE.exec(line) : null; // ` or ~
    if (fence !== undefined) {
      if (fenceMatch !== null && fenceMatch[1]?.[0] === fence.marker[0] && (fenceMatch[1]?.length ?? 0) >= fence.marker.length && fenceMatch[2] === '') {
        anatomy.codeBlocks.push({ language: fence.language, lineCount: fence.lineCount });
        fence = undefined;
        anatomy.lastLine = { text: line.trim(), kind: 'fence' };
      } else {
        fence.lineCount++;
        codeLines.push(line);
        if (wordCount > 0) anatomy.lastLine = { text: line.trim(), kind: 'code' };
      }
      continue;
    }
    if (fenceMatch !== null) {
      endParagraph();
      fence = { marker: fenceMatch[1] ?? '```', language: fenceMatch[2] ?? '', lineCount: 0 };
      anatomy.lastLine = { text: line.trim(), kind: 'fence' };
      continue;
    }
    if (wordCount === 0) {
      endParagraph();
      continue;
    }
    const heading = first === 35 ? HEADING.exec(line) : null; // #
    if (heading !== null) {
      endParagraph();
      anatomy.headings.push({ level: heading[1]?.length ?? 1, text: heading[2] ?? '' });
      anatomy.lastLine = { text: line.trim(), kind: 'heading' };
      proseLines.push(heading[2] ?? '');
      continue;
    }
    proseLines.push(line);
    anatomy.inlineCode += countInlineCode(line);
    const listItem = LIST_ITEM.exec(line);
    if (listItem !== null) {
      endParagraph();
      anatomy.listItems++;
      if (listItem[1] !== undefined) anatomy.numberedItems++;
      anatomy.lastLine = { text: line.trim(), kind: 'list' };
      continue;
    }
    if (first === 124 && TABLE_ROW.test(line)) { // |
      endParagraph();
      anatomy.tableRows++;
      anatomy.lastLine = { text: line.trim(), kind: 'table' };
      continue;
    }
    paragraphWords += wordCount;
    anatomy.lastLine = { text: line.trim(), kind: 'prose' };
  }
  endParagraph();
  if (fence !== undefined) anatomy.unclosedFence = true;
  anatomy.prose = proseLines.join('\n');
  anatomy.code = codeLines.join('\n');
  return anatomy;
}

function countWords(line: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    const space = code === 32 || code === 9 || code === 13 || code === 10 || code === 160;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code !== 32 && code !== 9) return code;
  }
  return -1;
}

function countInlineCode(line: string): number {
  let ticks = 0;
  for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) === 96) ticks++;
  return Math.floor(ticks / 2);
}
