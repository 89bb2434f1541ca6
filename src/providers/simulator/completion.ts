import { estimatePromptTokens, estimateTokens } from '../../wire/token-estimate.js';
import { toAnswer, type Answer } from './answer/answer-generator.js';
import type { ChatCall, Completion, FinishKind, SimMessage, SimToolCall } from './formats/sim-format.js';

/**
 * Applies a request's stop sequences and `max_tokens` to a generated answer, as a model would:
 * the earliest stop sequence ends the text (finish `stop_sequence`, the sequence itself left
 * out); past `max_tokens` the text is cut at a word (finish `length`). An answer made of tool
 * calls finishes `tool_calls` and is never cut.
 */
export function buildCompletion(
  call: ChatCall,
  generated: Answer,
  ids: { id: string; created: number },
  contentFiltered: boolean,
  toolCalls: readonly SimToolCall[] = [],
): Completion {
  if (toolCalls.length > 0 && !contentFiltered) {
    const empty = toAnswer('');
    return {
      id: ids.id,
      model: call.model,
      created: ids.created,
      text: '',
      textJson: empty.textJson,
      pieces: empty.pieces,
      finish: 'tool_calls',
      toolCalls,
      stopSequence: undefined,
      inputTokens: promptTokens(call.messages),
      outputTokens: toolCalls.reduce((sum, each) => sum + estimateTokens(`${each.name} ${each.arguments}`), 0),
    };
  }
  let answer = generated;
  let finish: FinishKind = generated.cut ? 'length' : 'stop';
  let stopSequence: string | undefined;
  if (contentFiltered) {
    answer = toAnswer('');
    finish = 'content_filter';
  }
  if (call.stop.length > 0 && !contentFiltered) {
    let cutAt = -1;
    for (const sequence of call.stop) {
      if (sequence === '') continue;
      const index = answer.text.indexOf(sequence);
      if (index !== -1 && (cutAt === -1 || index < cutAt)) {
        cutAt = index;
        stopSequence = sequence;
      }
    }
    if (cutAt !== -1) {
      answer = toAnswer(answer.text.slice(0, cutAt));
      finish = 'stop_sequence';
    }
  }
  if (call.maxTokens !== undefined && answer.tokens > call.maxTokens) {
    const pieces = answer.pieces();
    const pieceTokens = answer.pieceTokens();
    let tokens = 0;
    let count = 0;
    while (count < pieces.length && tokens + (pieceTokens[count] ?? 0) <= call.maxTokens) {
      tokens += pieceTokens[count] ?? 0;
      count++;
    }
    answer = toAnswer(pieces.slice(0, count).join(''));
    finish = 'length';
    stopSequence = undefined;
  }
  return {
    id: ids.id,
    model: call.model,
    created: ids.created,
    text: answer.text,
    textJson: answer.textJson,
    pieces: answer.pieces,
    finish,
    toolCalls: [],
    stopSequence,
    inputTokens: promptTokens(call.messages),
    outputTokens: answer.tokens,
  };
}

/** Prompt usage: each message's text, and the arguments of tool calls made earlier. */
export function promptTokens(messages: readonly SimMessage[]): number {
  return estimatePromptTokens(
    messages.map((message) => (message.toolCalls === undefined ? message.text : `${message.text} ${message.toolCalls.map((each) => `${each.name} ${each.arguments}`).join(' ')}`)),
  );
}

/** The question and its context, as the answer generator wants them. */
const QUESTION_TAG = /<question>([\s\S]*?)<\/question>/;

export function promptOf(call: ChatCall): { prompt: string; context: string } {
  let prompt = '';
  let context = '';
  for (const message of call.messages) {
    if (message.role === 'user') prompt = message.text;
    else if (message.role === 'system') context = context === '' ? message.text : `${context}\n${message.text}`;
  }
  // A prompt that marks its question (as Fortitude's research prompts do) is answered on the
  // question itself; the instructions around it become context.
  const marked = QUESTION_TAG.exec(prompt);
  if (marked) return { prompt: marked[1]!.trim(), context: `${context}\n${prompt.replace(QUESTION_TAG, '')}` };
  return { prompt, context };
}
