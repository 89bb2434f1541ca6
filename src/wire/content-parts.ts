import type { ContentPart, ToolCall } from '../core/chat.js';
import { isRecord, tryParseJson, wireError } from './wire-support.js';

/** Helpers for the rich parts of a message (images, files, tool-call arguments). Pure. */

/** Where an image's bytes are: inline base64 with its media type, or a URL the provider fetches. */
export type ImageSource = { kind: 'base64'; mediaType: string; data: string } | { kind: 'url'; url: string };

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,(.*)$/s;

/**
 * Resolves an image part: a `data:<type>;base64,…` URL and `data` + `mediaType` become inline
 * base64, any other URL stays a URL. Throws a bad_request naming `field` when the part has
 * neither, or inline data without a media type.
 */
export function imageSource(part: Extract<ContentPart, { type: 'image' }>, provider: string, field: string): ImageSource {
  if (part.data !== undefined && part.data !== '') {
    if (part.mediaType === undefined || part.mediaType === '') {
      throw wireError(provider, 'bad_request', `${provider}: ${field} has base64 data but no media type; set its mediaType (e.g. image/png)`);
    }
    return { kind: 'base64', mediaType: part.mediaType, data: part.data };
  }
  const url = part.url ?? '';
  const inline = DATA_URL.exec(url);
  if (inline !== null) {
    const mediaType = inline[1] ?? part.mediaType;
    if (mediaType === undefined) {
      throw wireError(provider, 'bad_request', `${provider}: ${field} is a data: URL without a media type; use data:image/png;base64,…`);
    }
    return { kind: 'base64', mediaType, data: inline[3] ?? '' };
  }
  if (url === '') throw wireError(provider, 'bad_request', `${provider}: ${field} has neither a url nor base64 data`);
  return { kind: 'url', url };
}

/**
 * A tool call's arguments as the JSON object providers want back in the conversation
 * (Anthropic `tool_use.input`, Gemini `functionCall.args`). Empty text means no arguments.
 */
export function toolArguments(call: ToolCall, provider: string, field: string): Record<string, unknown> {
  if (call.arguments.trim() === '') return {};
  const parsed = tryParseJson(call.arguments);
  if (!isRecord(parsed)) {
    throw wireError(
      provider,
      'bad_request',
      `${provider}: ${field} must be a JSON object (the arguments of tool call "${call.name}"); got ${JSON.stringify(call.arguments.slice(0, 80))}`,
    );
  }
  return parsed;
}

/** Position of a message in the request, for error messages (`messages[3]`). */
export function messageField(messages: readonly unknown[], message: unknown): string {
  return `messages[${messages.indexOf(message)}]`;
}
