import type { ChatCall, SimMessage, SimTool, SimToolCall } from '../formats/sim-format.js';
import type { QualityMode } from '../simulator-profile.js';
import { promptOf } from '../completion.js';
import { toAnswer, type Answer, type AnswerGenerator } from './answer-generator.js';
import { valueFromSchema } from './json-from-schema.js';

/**
 * What the simulated model does with a chat call, deterministically, like an agent's model:
 * - it calls the supplied tools the last user message asks for (it names the tool, a word of
 *   the name, or two words of the description; `tool_choice` required or named forces a call),
 *   all of them when parallel calls are allowed, with arguments generated from each schema;
 * - after tool results it answers in text that quotes them;
 * - with a JSON response format it answers with JSON (matching the schema when there is one);
 * - otherwise it gives the research answer, noting attached images.
 */

export interface Reply {
  answer: Answer;
  /** Non-empty: the answer is these calls. */
  toolCalls: SimToolCall[];
}

const STOPWORDS = new Set([
  'a', 'an', 'and', 'are', 'can', 'current', 'does', 'for', 'from', 'get', 'given', 'have', 'into', 'its', 'list', 'make',
  'of', 'or', 'returns', 'set', 'some', 'that', 'the', 'this', 'tool', 'use', 'used', 'using', 'what', 'when', 'with', 'your',
]);

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 3 && !STOPWORDS.has(word));
}

/** Whether the prompt asks for something the tool does. */
export function asksFor(prompt: string, tool: SimTool): boolean {
  const lower = prompt.toLowerCase();
  if (lower.includes(tool.name.toLowerCase())) return true;
  const said = new Set(words(prompt));
  const heard = (word: string) => said.has(word) || said.has(`${word}s`) || (word.endsWith('s') && said.has(word.slice(0, -1)));
  if (words(tool.name).some((word) => word.length >= 4 && heard(word))) return true;
  return new Set(words(tool.description).filter(heard)).size >= 2;
}

function lastTurn(messages: readonly SimMessage[]): SimMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role !== 'system') return messages[i];
  return undefined;
}

/** The tool results after the last assistant message, each with the function's name. */
function trailingResults(messages: readonly SimMessage[]): { name: string; text: string }[] {
  const results: { name: string; text: string }[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role !== 'assistant'; i--) {
    const message = messages[i] as SimMessage;
    if (message.role !== 'tool') continue;
    let name = message.name;
    for (let j = i - 1; name === undefined && j >= 0; j--) name = messages[j]?.toolCalls?.find((call) => call.id === message.toolCallId)?.name;
    results.unshift({ name: name ?? 'the tool', text: message.text });
  }
  return results;
}

function chooseTools(call: ChatCall, prompt: string): SimTool[] {
  const choice = call.toolChoice;
  if (call.tools.length === 0 || choice === 'none') return [];
  if (typeof choice === 'object') return call.tools.filter((tool) => tool.name === choice.name).slice(0, 1);
  let chosen = call.tools.filter((tool) => asksFor(prompt, tool));
  if (chosen.length === 0 && choice === 'required') chosen = call.tools.slice(0, 1);
  return call.parallelToolCalls ? chosen : chosen.slice(0, 1);
}

function afterTools(results: readonly { name: string; text: string }[]): string {
  const lines = results.map((result) => `- ${result.name}: ${result.text}`);
  return `Here is what the tools returned:\n\n${lines.join('\n')}\n\nBased on ${results.length === 1 ? 'this result' : 'these results'}, that is the answer to your question.`;
}

export function replyTo(
  call: ChatCall,
  answers: AnswerGenerator,
  mode: QualityMode,
  toolCallId: () => string,
): Reply {
  const last = lastTurn(call.messages);
  const { prompt, context } = promptOf(call);
  const format = call.responseFormat;
  if (last?.role !== 'tool') {
    const tools = chooseTools(call, prompt);
    if (tools.length > 0) {
      const toolCalls = tools.map((tool) => ({
        id: toolCallId(),
        name: tool.name,
        arguments: JSON.stringify(valueFromSchema(tool.parameters, { prompt, properties: 'required_or_mentioned' })),
      }));
      return { answer: toAnswer(''), toolCalls };
    }
  }
  const text = last?.role === 'tool' ? afterTools(trailingResults(call.messages)) : undefined;
  if (format?.type === 'json_schema') {
    return { answer: toAnswer(JSON.stringify(valueFromSchema(format.schema, { prompt, properties: 'all' }))), toolCalls: [] };
  }
  if (format?.type === 'json_object') {
    return { answer: toAnswer(JSON.stringify({ answer: text ?? answers.answer(prompt, context, mode).text })), toolCalls: [] };
  }
  if (text !== undefined) return { answer: toAnswer(text), toolCalls: [] };
  const answer = answers.answer(prompt, context, mode);
  const attachments = last?.attachments ?? 0;
  if (attachments === 0) return { answer, toolCalls: [] };
  // The simulator does not look at images; it says it received them.
  return { answer: toAnswer(`I received ${attachments} attachment${attachments === 1 ? '' : 's'} (image or file).\n\n${answer.text}`, answer.cut), toolCalls: [] };
}
