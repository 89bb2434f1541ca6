import type { FinishReason, ToolCall, Usage } from '../../core/chat.js';
import { asArray, asNumber, asRecord, asString } from '../wire-support.js';

/** Pieces of the Gemini `GenerateContentResponse` shared by the parser and the stream decoder. */

export const GEMINI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'other',
  UNEXPECTED_TOOL_CALL: 'other',
  LANGUAGE: 'other',
  OTHER: 'other',
};

/** Text of the first candidate; parts marked `thought` (thinking models) are not the answer. */
export function candidateText(candidate: Record<string, unknown> | undefined): string {
  let text = '';
  for (const part of asArray(asRecord(candidate?.content)?.parts) ?? []) {
    const record = asRecord(part);
    if (record !== undefined && record.thought !== true) text += asString(record.text) ?? '';
  }
  return text;
}

/**
 * The candidate's `functionCall` parts as tool calls. Gemini gives ids only sometimes; missing
 * ones become `call_<n>`, n counting from `firstOrdinal` (a stream's earlier calls).
 */
export function candidateToolCalls(candidate: Record<string, unknown> | undefined, firstOrdinal: number): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of asArray(asRecord(candidate?.content)?.parts) ?? []) {
    const call = asRecord(asRecord(part)?.functionCall);
    if (call === undefined) continue;
    const ordinal = firstOrdinal + calls.length;
    calls.push({ id: asString(call.id) ?? `call_${ordinal}`, name: asString(call.name) ?? '', arguments: JSON.stringify(call.args ?? {}) });
  }
  return calls;
}

/** Output tokens include thinking tokens (`thoughtsTokenCount`), which are billed as output. */
export function geminiUsage(metadata: Record<string, unknown> | undefined): Usage | undefined {
  if (metadata === undefined) return undefined;
  return {
    inputTokens: asNumber(metadata.promptTokenCount) ?? 0,
    outputTokens: (asNumber(metadata.candidatesTokenCount) ?? 0) + (asNumber(metadata.thoughtsTokenCount) ?? 0),
  };
}

/** A prompt blocked before generation has no candidates, only `promptFeedback.blockReason`. */
export function isPromptBlocked(root: Record<string, unknown>): boolean {
  return asString(asRecord(root.promptFeedback)?.blockReason) !== undefined;
}
