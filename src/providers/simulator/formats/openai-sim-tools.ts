import { contentText, type ChatCall, type Completion, type SimMessage, type SimResponse, type SimTool, type SimToolCall } from './sim-format.js';
import { openAiError } from './openai-sim-errors.js';

/**
 * The agent parts of OpenAI Chat Completions on the server side: messages with tool calls,
 * tool results and image/file parts, `tools`, `tool_choice`, `parallel_tool_calls` and
 * `response_format`, validated with OpenAI's own messages; tool calls rendered as OpenAI does.
 */

type Json = Record<string, unknown>;

export function badRequest(message: string, param?: string, code?: string): SimResponse {
  return openAiError('bad_request', { message, ...(param === undefined ? {} : { param }), ...(code === undefined ? {} : { code }) });
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function attachments(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.filter((part) => ['image_url', 'file', 'input_audio'].includes(String(record(part)?.type))).length;
}

function parseToolCalls(value: unknown, at: string): SimToolCall[] | SimResponse {
  if (!Array.isArray(value)) return badRequest(`Invalid type for '${at}.tool_calls': expected an array.`, `${at}.tool_calls`, 'invalid_type');
  const calls: SimToolCall[] = [];
  for (const [index, item] of value.entries()) {
    const fn = record(record(item)?.function);
    const id = record(item)?.id;
    if (typeof id !== 'string' || fn === undefined || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
      return badRequest(`Missing required parameter: '${at}.tool_calls[${index}].function'.`, `${at}.tool_calls[${index}]`, 'missing_required_parameter');
    }
    calls.push({ id, name: fn.name, arguments: fn.arguments });
  }
  return calls;
}

/** Every tool call is answered by a tool message right after its assistant message, as OpenAI checks. */
function checkToolPairs(messages: readonly SimMessage[]): SimResponse | undefined {
  let open: string[] = [];
  let openAt = -1;
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      const at = open.indexOf(message.toolCallId ?? '');
      if (at === -1) {
        return badRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      open.splice(at, 1);
      continue;
    }
    if (open.length > 0) break;
    open = message.toolCalls?.map((call) => call.id) ?? [];
    openAt = index;
  }
  if (open.length === 0) return undefined;
  return badRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
    `messages.[${openAt}].role`,
  );
}

export function parseOpenAiMessages(value: unknown): SimMessage[] | SimResponse {
  if (value === undefined) return badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(value)) {
    return badRequest(`Invalid type for 'messages': expected an array of objects, but got ${typeof value} instead.`, 'messages', 'invalid_type');
  }
  if (value.length === 0) {
    return badRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  const messages: SimMessage[] = [];
  for (const [index, item] of value.entries()) {
    const message = record(item);
    const role = message?.role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      return badRequest(
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${index}].role`,
        'invalid_value',
      );
    }
    const text = message?.content === null || (message?.content === undefined && role === 'assistant') ? '' : contentText(message?.content);
    if (text === undefined) {
      return badRequest(`Invalid type for 'messages[${index}].content': expected one of a string or array of objects.`, `messages[${index}].content`, 'invalid_type');
    }
    if (role === 'tool') {
      if (typeof message?.tool_call_id !== 'string') {
        return badRequest("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.", `messages[${index}].tool_call_id`, 'missing_required_parameter');
      }
      messages.push({ role: 'tool', text, toolCallId: message.tool_call_id });
      continue;
    }
    const parsed: SimMessage = { role: role === 'system' || role === 'developer' ? 'system' : role === 'assistant' ? 'assistant' : 'user', text };
    if (role === 'assistant' && message?.tool_calls !== undefined && message.tool_calls !== null) {
      const calls = parseToolCalls(message.tool_calls, `messages[${index}]`);
      if (!Array.isArray(calls)) return calls;
      if (calls.length > 0) parsed.toolCalls = calls;
    }
    const attached = attachments(message?.content);
    if (attached > 0) parsed.attachments = attached;
    messages.push(parsed);
  }
  return checkToolPairs(messages) ?? messages;
}

type ToolFields = Pick<ChatCall, 'tools' | 'toolChoice' | 'parallelToolCalls' | 'responseFormat'>;

function parseTools(value: unknown): SimTool[] | SimResponse {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return badRequest("Invalid type for 'tools': expected an array of objects.", 'tools', 'invalid_type');
  const tools: SimTool[] = [];
  for (const [index, item] of value.entries()) {
    const fn = record(record(item)?.function);
    if (record(item)?.type !== 'function' || fn === undefined) {
      return badRequest(`Missing required parameter: 'tools[${index}].function'.`, `tools[${index}].function`, 'missing_required_parameter');
    }
    if (typeof fn.name !== 'string' || !NAME.test(fn.name)) {
      return badRequest(
        `Invalid 'tools[${index}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `tools[${index}].function.name`,
        'invalid_value',
      );
    }
    tools.push({ name: fn.name, description: typeof fn.description === 'string' ? fn.description : '', parameters: record(fn.parameters) ?? { type: 'object', properties: {} } });
  }
  return tools;
}

export function parseOpenAiToolFields(body: Json, messages: readonly SimMessage[]): ToolFields | SimResponse {
  const tools = parseTools(body.tools);
  if (!Array.isArray(tools)) return tools;
  const choice = body.tool_choice;
  let toolChoice: ChatCall['toolChoice'] = tools.length > 0 ? 'auto' : 'none';
  if (choice !== undefined && choice !== null) {
    if (tools.length === 0) {
      return badRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
    }
    const named = record(record(choice)?.function)?.name;
    if (choice === 'auto' || choice === 'none' || choice === 'required') toolChoice = choice;
    else if (typeof named === 'string' && tools.some((tool) => tool.name === named)) toolChoice = { name: named };
    else return badRequest(`Invalid value for 'tool_choice': no function named ${JSON.stringify(named ?? choice)} was specified in the 'tools' parameter.`, 'tool_choice', 'invalid_value');
  }
  const parallel = body.parallel_tool_calls;
  if (parallel !== undefined && parallel !== null && tools.length === 0) {
    return badRequest("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.", 'parallel_tool_calls');
  }
  const fields: ToolFields = { tools, toolChoice, parallelToolCalls: parallel !== false };
  const format = record(body.response_format);
  if (body.response_format === undefined || body.response_format === null || format?.type === 'text') return fields;
  if (format?.type === 'json_object') {
    // OpenAI's rule: JSON mode needs the word in the conversation, or the model may loop on whitespace.
    if (!messages.some((message) => /json/i.test(message.text))) {
      return badRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
    }
    return { ...fields, responseFormat: { type: 'json_object' } };
  }
  if (format?.type === 'json_schema') {
    const schema = record(record(format.json_schema)?.schema);
    if (record(format.json_schema) === undefined) {
      return badRequest("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema', 'missing_required_parameter');
    }
    return { ...fields, responseFormat: { type: 'json_schema', schema: schema ?? { type: 'object' } } };
  }
  return badRequest("Invalid value: 'response_format.type'. Supported values are: 'json_object', 'json_schema', and 'text'.", 'response_format.type', 'invalid_value');
}

/** `"tool_calls":[…]` of a completion message. */
export function toolCallsJson(completion: Completion): string {
  return JSON.stringify(completion.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })));
}

/** Pieces of a call's arguments as a stream sends them: a few characters at a time. */
function argumentFragments(text: string): string[] {
  const fragments = text.match(/.{1,8}/gs) ?? [];
  return fragments.length === 0 ? [''] : fragments;
}

/**
 * Stream deltas for tool calls, as OpenAI sends them: for each call one delta with its index,
 * id, type and name (empty arguments), then its arguments in fragments. Ollama's layer sends
 * each call whole in one delta. `chunk` wraps a delta into a full chunk event.
 */
export function toolCallDeltas(completion: Completion, whole: boolean, chunk: (delta: string) => string): string[] {
  const events: string[] = [];
  completion.toolCalls.forEach((call, index) => {
    const head = `{"index":${index},"id":${JSON.stringify(call.id)},"type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":`;
    if (whole) {
      events.push(chunk(`{"tool_calls":[${head}${JSON.stringify(call.arguments)}}}]}`));
      return;
    }
    events.push(chunk(`{"tool_calls":[${head}""}}]}`));
    for (const fragment of argumentFragments(call.arguments)) {
      events.push(chunk(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(fragment)}}}]}`));
    }
  });
  return events;
}
