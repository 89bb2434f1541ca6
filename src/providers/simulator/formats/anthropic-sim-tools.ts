import type { ChatCall, Completion, SimMessage, SimResponse, SimTool, SimToolCall } from './sim-format.js';

/**
 * The agent parts of the Anthropic Messages API on the server side: content blocks (`text`,
 * `image`, `document`, `tool_use`, `tool_result`) with the API's pairing rules, `tools` and
 * `tool_choice`; tool calls rendered as `tool_use` blocks and streamed as `input_json_delta`.
 */

type Json = Record<string, unknown>;
type Bad = (message: string) => SimResponse;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => (record(block)?.type === 'text' ? String(record(block)?.text ?? '') : '')).join('');
}

function checkSource(block: Json, at: string, bad: Bad): SimResponse | undefined {
  const source = record(block.source);
  if (source === undefined) return bad(`${at}.source: Field required`);
  if (source.type === 'url') return typeof source.url === 'string' ? undefined : bad(`${at}.source.url: Field required`);
  if (source.type === 'text' && block.type === 'document') return undefined;
  if (source.type !== 'base64' || typeof source.data !== 'string' || source.data === '') return bad(`${at}.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url'`);
  if (block.type === 'image' && !IMAGE_TYPES.has(String(source.media_type))) {
    return bad(`${at}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  }
  return undefined;
}

/** One API message as simulator messages: its `tool_result` blocks become `tool` messages before the rest. */
export function anthropicMessage(role: 'user' | 'assistant', content: unknown, index: number, bad: Bad): SimMessage[] | SimResponse {
  if (typeof content === 'string') return [{ role, text: content }];
  if (!Array.isArray(content)) return bad(`messages.${index}.content: Input should be a valid string or list of content blocks`);
  const results: SimMessage[] = [];
  const message: SimMessage = { role, text: '' };
  const calls: SimToolCall[] = [];
  let attachments = 0;
  for (const [position, item] of content.entries()) {
    const block = record(item);
    const at = `messages.${index}.content.${position}`;
    switch (block?.type) {
      case 'text':
        if (typeof block.text !== 'string') return bad(`${at}.text.text: Field required`);
        message.text += block.text;
        break;
      case 'image':
      case 'document': {
        const problem = checkSource(block, `${at}.${block.type}`, bad);
        if (problem !== undefined) return problem;
        attachments++;
        break;
      }
      case 'tool_use':
        if (role !== 'assistant') return bad(`${at}: tool_use blocks are only allowed in assistant messages`);
        if (typeof block.id !== 'string' || typeof block.name !== 'string' || record(block.input) === undefined) {
          return bad(`${at}.tool_use: id, name and an input object are required`);
        }
        calls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        break;
      case 'tool_result':
        if (role !== 'user') return bad(`${at}: tool_result blocks are only allowed in user messages`);
        if (typeof block.tool_use_id !== 'string') return bad(`${at}.tool_result.tool_use_id: Field required`);
        results.push({ role: 'tool', text: resultText(block.content), toolCallId: block.tool_use_id });
        break;
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        return bad(`${at}: Input tag '${String(block?.type)}' found using 'type' does not match any of the expected tags`);
    }
  }
  if (calls.length > 0) message.toolCalls = calls;
  if (attachments > 0) message.attachments = attachments;
  const keep = message.text !== '' || calls.length > 0 || attachments > 0 || results.length === 0;
  return keep ? [...results, message] : results;
}

/** The API's pairing rules: every tool_use is answered in the next message, and every tool_result answers one. */
export function checkToolPairs(messages: readonly { role: string; calls: string[]; results: string[] }[], bad: Bad): SimResponse | undefined {
  for (const [index, message] of messages.entries()) {
    const previous = index > 0 ? messages[index - 1]?.calls ?? [] : [];
    const stray = message.results.filter((id) => !previous.includes(id));
    if (stray.length > 0) {
      return bad(
        `messages.${index}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      );
    }
    const next = messages[index + 1]?.results ?? [];
    const unanswered = message.calls.filter((id) => !next.includes(id));
    if (unanswered.length > 0 && index + 1 < messages.length) {
      return bad(
        `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  }
  return undefined;
}

type ToolFields = Pick<ChatCall, 'tools' | 'toolChoice' | 'parallelToolCalls'>;

export function parseAnthropicTools(body: Json, bad: Bad): ToolFields | SimResponse {
  const tools: SimTool[] = [];
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return bad('tools: Input should be a valid list');
    for (const [index, item] of body.tools.entries()) {
      const tool = record(item);
      // Server tools (web search, code execution…) have a versioned type and no schema: not ours to call.
      if (tool !== undefined && typeof tool.type === 'string' && tool.type !== 'custom') continue;
      if (typeof tool?.name !== 'string' || !NAME.test(tool.name)) return bad(`tools.${index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      const schema = record(tool.input_schema);
      if (schema === undefined) return bad(`tools.${index}.custom.input_schema: Field required`);
      tools.push({ name: tool.name, description: typeof tool.description === 'string' ? tool.description : '', parameters: schema });
    }
  }
  const choice = record(body.tool_choice);
  if (body.tool_choice === undefined) return { tools, toolChoice: 'auto', parallelToolCalls: true };
  const parallelToolCalls = choice?.disable_parallel_tool_use !== true;
  switch (choice?.type) {
    case 'auto':
      return { tools, toolChoice: 'auto', parallelToolCalls };
    case 'none':
      return { tools, toolChoice: 'none', parallelToolCalls };
    case 'any':
      return tools.length === 0 ? bad('tool_choice: tool_choice.type any requires tools') : { tools, toolChoice: 'required', parallelToolCalls };
    case 'tool':
      if (typeof choice.name !== 'string' || !tools.some((tool) => tool.name === choice.name)) {
        return bad(`tool_choice.tool.name: Tool '${String(choice.name)}' not found in tools`);
      }
      return { tools, toolChoice: { name: choice.name }, parallelToolCalls };
    default:
      return bad("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
  }
}

export function toolUseBlocksJson(completion: Completion): string {
  return JSON.stringify(completion.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown })));
}

/** content_block_start (tool_use, empty input) → input_json_delta fragments → content_block_stop, per call. */
export function toolUseEvents(completion: Completion): string[] {
  const events: string[] = [];
  completion.toolCalls.forEach((call, index) => {
    events.push(
      `event: content_block_start\ndata: {"type":"content_block_start","index":${index},"content_block":{"type":"tool_use","id":${JSON.stringify(call.id)},"name":${JSON.stringify(call.name)},"input":{}}}\n\n`,
    );
    for (const fragment of call.arguments.match(/.{1,8}/gs) ?? []) {
      events.push(
        `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(fragment)}}}\n\n`,
      );
    }
    events.push(`event: content_block_stop\ndata: {"type":"content_block_stop","index":${index}}\n\n`);
  });
  return events;
}
