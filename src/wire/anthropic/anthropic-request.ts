import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../../core/chat.js';
import { imageSource, messageField, toolArguments } from '../content-parts.js';
import { splitSystemMessages, wireError, type ConversationTurn } from '../wire-support.js';
import { JSON_RESPONSE_TOOL } from './anthropic-json.js';

/** Translates a core `ChatRequest` into the Messages API body fields (https://docs.anthropic.com/en/api/messages). */

const PROVIDER = 'anthropic';
type Block = Record<string, unknown>;

function badRequest(message: string): Error {
  return wireError(PROVIDER, 'bad_request', `${PROVIDER}: ${message}`);
}

function partBlock(part: ContentPart, field: string): Block {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image': {
      const source = imageSource(part, PROVIDER, field);
      return {
        type: 'image',
        source: source.kind === 'url' ? { type: 'url', url: source.url } : { type: 'base64', media_type: source.mediaType, data: source.data },
      };
    }
    case 'file':
      // PDFs go as base64 documents; plain text as a text document.
      if (part.mediaType === 'application/pdf') {
        return { type: 'document', source: { type: 'base64', media_type: part.mediaType, data: part.data } };
      }
      if (part.mediaType === 'text/plain') {
        return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(part.data, 'base64').toString('utf8') } };
      }
      throw badRequest(`${field} is a ${part.mediaType} file; Anthropic documents accept application/pdf or text/plain`);
  }
}

function messageBlocks(message: ChatMessage, field: string): Block[] {
  if (message.role === 'tool') {
    if (message.toolCallId === undefined || message.toolCallId === '') {
      throw badRequest(`${field}.tool_call_id is required: a tool result must name the tool call it answers`);
    }
    const content = message.parts?.map((part, index) => partBlock(part, `${field}.content[${index}]`)) ?? message.content;
    return [{ type: 'tool_result', tool_use_id: message.toolCallId, content }];
  }
  const blocks: Block[] = message.parts
    ? message.parts.map((part, index) => partBlock(part, `${field}.content[${index}]`))
    : message.content === ''
      ? []
      : [{ type: 'text', text: message.content }];
  message.toolCalls?.forEach((call, index) => {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: toolArguments(call, PROVIDER, `${field}.tool_calls[${index}].function.arguments`) });
  });
  return blocks;
}

function isPlainText(message: ChatMessage): boolean {
  return message.role !== 'tool' && message.parts === undefined && (message.toolCalls?.length ?? 0) === 0;
}

/** A turn of plain text stays a string (as before); anything richer becomes content blocks. */
function turnContent(turn: ConversationTurn, all: readonly ChatMessage[]): string | Block[] {
  if (turn.messages.every(isPlainText)) return turn.content;
  const results: Block[] = [];
  const others: Block[] = [];
  for (const message of turn.messages) {
    const blocks = messageBlocks(message, messageField(all, message));
    // Anthropic wants a user turn's tool_result blocks before anything else in it.
    (message.role === 'tool' ? results : others).push(...blocks);
  }
  return [...results, ...others];
}

export function anthropicConversation(request: ChatRequest): { system?: string; messages: Block[] } {
  const { system, turns } = splitSystemMessages(request.messages);
  const messages = turns.map((turn) => ({ role: turn.role, content: turnContent(turn, request.messages) }));
  return system === undefined ? { messages } : { system, messages };
}

function toolChoiceJson(choice: ToolChoice | undefined, parallel: boolean | undefined): Block | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.name, ...disable };
}

/**
 * `tools`, `tool_choice` and the emulated `response_format` (see JSON_RESPONSE_TOOL). With tools
 * of its own and a response format, the model must call some tool (`any`): a real one, or the
 * JSON one to answer.
 */
export function anthropicTools(request: ChatRequest): { tools?: Block[]; tool_choice?: Block } {
  const tools: Block[] = (request.tools ?? []).map((tool, index) => {
    if (tool.name === JSON_RESPONSE_TOOL && request.responseFormat !== undefined && request.responseFormat.type !== 'text') {
      throw badRequest(`tools[${index}].name "${JSON_RESPONSE_TOOL}" is reserved for response_format emulation; rename the tool`);
    }
    return {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: { type: 'object', ...tool.parameters },
    };
  });
  let choice = request.toolChoice;
  if (tools.length === 0 && choice !== undefined && choice !== 'none' && choice !== 'auto') {
    throw badRequest('tool_choice names a tool to call but the request has no tools; add tools or drop tool_choice');
  }
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    const schema = format.type === 'json_schema' ? format.schema : { type: 'object' };
    const description =
      format.type === 'json_schema'
        ? `Answer with this tool: its input is the response (${format.name}${format.description === undefined ? '' : `: ${format.description}`}).`
        : 'Answer with this tool: its input is the response, a JSON object.';
    const userTools = tools.length;
    tools.push({ name: JSON_RESPONSE_TOOL, description, input_schema: { type: 'object', ...schema } });
    if (userTools === 0 || choice === 'none') choice = { name: JSON_RESPONSE_TOOL };
    else if (choice === undefined || choice === 'auto') choice = 'required';
    // `required` or a named tool of the caller's stays as asked.
  }
  if (tools.length === 0) return {};
  const toolChoice = toolChoiceJson(choice, request.parallelToolCalls);
  return toolChoice === undefined ? { tools } : { tools, tool_choice: toolChoice };
}

/**
 * Parameters with no Anthropic equivalent. `logprobs` is refused (never silently dropped);
 * `seed` is best-effort everywhere (OpenAI documents it so), and Anthropic has none: ignored.
 */
export function refuseUnsupported(request: ChatRequest): void {
  if (request.logprobs === true || (request.topLogprobs ?? 0) > 0) {
    const name = request.logprobs === true ? 'logprobs' : 'top_logprobs';
    throw badRequest(`${name} is not supported by the Anthropic Messages API; remove ${name} or route the request to an OpenAI or Gemini model`);
  }
}
