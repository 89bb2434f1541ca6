import type { FinishReason } from '../../core/chat.js';
import { asArray, asRecord, asString } from '../wire-support.js';

/** Pieces of the OpenAI chat JSON used by both the response parser and the stream decoder. */

export const OPENAI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  // llama.cpp and some vLLM versions report hitting a stop word this way.
  eos: 'stop',
  stop_sequence: 'stop',
};

/** `content` is a string for OpenAI; a few compatible servers send an array of text parts. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = asArray(content);
  if (parts === undefined) return '';
  let text = '';
  for (const part of parts) text += asString(asRecord(part)?.text) ?? '';
  return text;
}

