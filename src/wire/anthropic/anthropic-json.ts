import type { FinishReason, Usage } from '../../core/chat.js';
import { asNumber } from '../wire-support.js';

/** Pieces of the Anthropic Messages JSON shared by the response parser and the stream decoder. */

export const ANTHROPIC_STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'other',
};

/** Input tokens include prompt-cache reads and writes, which Anthropic reports separately. */
export function anthropicUsage(usage: Record<string, unknown> | undefined, previous?: Usage): Usage {
  const input =
    (asNumber(usage?.input_tokens) ?? 0) +
    (asNumber(usage?.cache_creation_input_tokens) ?? 0) +
    (asNumber(usage?.cache_read_input_tokens) ?? 0);
  return {
    inputTokens: usage?.input_tokens === undefined && previous !== undefined ? previous.inputTokens : input,
    outputTokens: asNumber(usage?.output_tokens) ?? previous?.outputTokens ?? 0,
  };
}


/**
 * Anthropic has no `response_format`. Structured output is emulated the way gateways do it
 * (LiteLLM, the AI SDK): one extra tool whose `input_schema` is the wanted schema, forced with
 * `tool_choice`; its `input` is the answer, returned as the text. The name is reserved: a
 * request whose own tools use it is refused.
 */
export const JSON_RESPONSE_TOOL = 'json_response';
