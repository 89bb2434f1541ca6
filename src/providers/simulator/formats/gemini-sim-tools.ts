import type { ChatCall, SimMessage, SimResponse, SimTool } from './sim-format.js';

/**
 * The agent parts of the Gemini API on the server side: `functionCall` / `functionResponse`,
 * `inlineData` / `fileData` parts, `tools[].functionDeclarations`, `toolConfig` and JSON
 * output (`responseMimeType` with `responseSchema` or `responseJsonSchema`), validated with the
 * API's messages, including its schema-subset rules.
 */

type Json = Record<string, unknown>;
type Bad = (message: string) => SimResponse;

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
/** JSON Schema keywords Gemini's `Schema` (OpenAPI subset) rejects as unknown fields. */
const UNKNOWN_SCHEMA_FIELDS = ['additionalProperties', '$ref', '$defs', '$schema', 'const', 'oneOf', 'allOf', 'definitions'];

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** One `contents[]` entry as simulator messages: each functionResponse part becomes a `tool` message first. */
export function geminiContent(content: unknown, index: number, bad: Bad): SimMessage[] | SimResponse {
  const entry = record(content);
  const role = entry?.role ?? 'user';
  if (role !== 'user' && role !== 'model' && role !== 'function') return bad('Please use a valid role: user, model.');
  const parts = entry?.parts;
  if (!Array.isArray(parts) || parts.length === 0) return bad(`* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`);
  const results: SimMessage[] = [];
  const message: SimMessage = { role: role === 'model' ? 'assistant' : 'user', text: '' };
  let attachments = 0;
  for (const [position, item] of parts.entries()) {
    const part = record(item) ?? {};
    const at = `contents[${index}].parts[${position}]`;
    if (typeof part.text === 'string') {
      if (part.thought !== true) message.text += part.text;
    } else if (part.inlineData !== undefined || part.fileData !== undefined) {
      const data = record(part.inlineData ?? part.fileData);
      if (part.inlineData !== undefined && (typeof data?.mimeType !== 'string' || typeof data.data !== 'string')) {
        return bad(`* GenerateContentRequest.${at}.inline_data.mime_type: mime_type and data are required.\n`);
      }
      if (part.fileData !== undefined && typeof data?.fileUri !== 'string') return bad(`* GenerateContentRequest.${at}.file_data.file_uri: file_uri is required.\n`);
      attachments++;
    } else if (part.functionCall !== undefined) {
      const call = record(part.functionCall);
      if (typeof call?.name !== 'string') return bad(`* GenerateContentRequest.${at}.function_call.name: Name cannot be empty.\n`);
      (message.toolCalls ??= []).push({ id: typeof call.id === 'string' ? call.id : '', name: call.name, arguments: JSON.stringify(call.args ?? {}) });
    } else if (part.functionResponse !== undefined) {
      const response = record(part.functionResponse);
      if (typeof response?.name !== 'string') return bad(`* GenerateContentRequest.${at}.function_response.name: Name cannot be empty.\n`);
      // The API's own complaint when `response` is not an object (a google.protobuf.Struct).
      if (record(response.response) === undefined) {
        return bad(`Invalid value at '${at}.function_response.response' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(response.response ?? null)}`);
      }
      results.push({ role: 'tool', text: JSON.stringify(response.response), name: response.name, ...(typeof response.id === 'string' ? { toolCallId: response.id } : {}) });
    }
  }
  if (attachments > 0) message.attachments = attachments;
  const keep = message.text !== '' || message.toolCalls !== undefined || attachments > 0 || results.length === 0;
  return keep ? [...results, message] : results;
}

/** Gemini rejects JSON Schema keywords outside its subset, and an OBJECT without properties. */
function checkSchema(schema: unknown, at: string, bad: Bad): SimResponse | undefined {
  const node = record(schema);
  if (node === undefined) return undefined;
  for (const field of UNKNOWN_SCHEMA_FIELDS) {
    if (field in node) return bad(`Invalid JSON payload received. Unknown name "${field}" at '${at}': Cannot find field.`);
  }
  if (Array.isArray(node.type)) return bad(`Invalid JSON payload received. Unknown name "type" at '${at}': Proto field is not repeating, cannot start list.`);
  const properties = record(node.properties);
  if (String(node.type).toLowerCase() === 'object' && (properties === undefined || Object.keys(properties).length === 0) && at.endsWith('parameters')) {
    return bad(`* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type\n`);
  }
  for (const [name, value] of Object.entries(properties ?? {})) {
    const problem = checkSchema(value, `${at}.properties[${name}].value`, bad);
    if (problem !== undefined) return problem;
  }
  if (node.items !== undefined) return checkSchema(node.items, `${at}.items`, bad);
  for (const [position, variant] of (Array.isArray(node.anyOf) ? node.anyOf : []).entries()) {
    const problem = checkSchema(variant, `${at}.any_of[${position}]`, bad);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

type ToolFields = Pick<ChatCall, 'tools' | 'toolChoice' | 'parallelToolCalls' | 'responseFormat'>;

export function parseGeminiToolFields(body: Json, config: Json, bad: Bad): ToolFields | SimResponse {
  let tools: SimTool[] = [];
  for (const [index, item] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    const declarations = record(item)?.functionDeclarations;
    for (const [position, value] of (Array.isArray(declarations) ? declarations : []).entries()) {
      const declaration = record(value) ?? {};
      const at = `tools[${index}].function_declarations[${position}]`;
      if (typeof declaration.name !== 'string' || !NAME.test(declaration.name)) {
        return bad(
          `* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`,
        );
      }
      const problem = checkSchema(declaration.parameters, `${at}.parameters`, bad);
      if (problem !== undefined) return problem;
      const parameters = record(declaration.parameters) ?? record(declaration.parametersJsonSchema) ?? { type: 'object', properties: {} };
      tools.push({ name: declaration.name, description: typeof declaration.description === 'string' ? declaration.description : '', parameters });
    }
  }
  const calling = record(record(body.toolConfig)?.functionCallingConfig);
  let toolChoice: ChatCall['toolChoice'] = 'auto';
  if (calling?.mode === 'NONE') toolChoice = 'none';
  else if (calling?.mode === 'ANY') {
    const allowed = Array.isArray(calling.allowedFunctionNames) ? calling.allowedFunctionNames.map(String) : [];
    if (allowed.length > 0) tools = tools.filter((tool) => allowed.includes(tool.name));
    toolChoice = allowed.length === 1 && tools.length === 1 ? { name: allowed[0] as string } : 'required';
  }
  // Gemini has no switch for parallel calls: it may always make several.
  const fields: ToolFields = { tools, toolChoice, parallelToolCalls: true };
  const schema = config.responseSchema ?? config.responseJsonSchema;
  if (config.responseMimeType !== 'application/json') {
    return schema === undefined ? fields : bad('* GenerateContentRequest.generation_config.response_mime_type: response_schema requires response_mime_type application/json.\n');
  }
  if (config.responseSchema !== undefined) {
    const problem = checkSchema(config.responseSchema, 'generation_config.response_schema', bad);
    if (problem !== undefined) return problem;
  }
  const parsed = record(schema);
  return { ...fields, responseFormat: parsed === undefined ? { type: 'json_object' } : { type: 'json_schema', schema: parsed } };
}
