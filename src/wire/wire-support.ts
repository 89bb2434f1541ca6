import { ProviderError, type ProviderErrorClass } from '../core/errors.js';
import type { ChatMessage, FinishReason, Usage } from '../core/chat.js';

/** Small helpers shared by the wire formats. Pure. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Builds the ProviderError a decoder throws. */
export function wireError(
  provider: string,
  errorClass: ProviderErrorClass,
  message: string,
  extra: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {},
): ProviderError {
  return new ProviderError(message, { provider, errorClass, ...extra });
}

/** Parses an SSE data payload as JSON; a payload that is not JSON means the stream is broken. */
export function parseStreamJson(provider: string, data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch (error) {
    throw wireError(provider, 'stream_broken', `${provider}: malformed stream event (not JSON)`, { cause: error });
  }
}

/** Cuts a provider message to a length safe for logs and error details. */
export function clipMessage(message: string, max = 500): string {
  return message.length > max ? `${message.slice(0, max)}…` : message;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0 };
}

/** Maps a provider's finish-reason string through a table; unknown values become `other`. */
export function mapFinishReason(
  value: string | undefined,
  table: Readonly<Record<string, FinishReason>>,
): FinishReason {
  if (value === undefined) return 'other';
  return table[value] ?? 'other';
}

/** Parses durations like `1.5s`, `6m0s`, `120ms`, `30s` (OpenAI and Google styles) into ms. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(trimmed)) !== null) {
    const amount = Number(match[1]);
    const unit = match[2];
    total += unit === 'ms' ? amount : unit === 's' ? amount * 1000 : unit === 'm' ? amount * 60_000 : amount * 3_600_000;
    consumed += match[0].length;
  }
  return consumed === trimmed.length ? Math.round(total) : undefined;
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  /** The turn's text (merged messages joined by blank lines). */
  content: string;
  /** The messages merged into this turn, in order (tool results count as user turns). */
  messages: ChatMessage[];
}

/**
 * For formats with a separate system field (Anthropic `system`, Gemini `systemInstruction`):
 * system messages are joined; consecutive same-role turns are merged, because both APIs want
 * user and assistant turns to alternate.
 */
export function splitSystemMessages(messages: readonly ChatMessage[]): { system?: string; turns: ConversationTurn[] } {
  const system: string[] = [];
  const turns: ConversationTurn[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    // Tool results go back to the model on the user's side of the conversation.
    const role = message.role === 'tool' ? 'user' : message.role;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) {
      if (message.content !== '') last.content = last.content === '' ? message.content : `${last.content}\n\n${message.content}`;
      last.messages.push(message);
    } else turns.push({ role, content: message.content, messages: [message] });
  }
  return system.length > 0 ? { system: system.join('\n\n'), turns } : { turns };
}
