import { FunctionCallingConfigMode, GoogleGenAI, Type, type Content, type FunctionDeclaration } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';

/** The official `@google/genai` SDK with function calling and JSON output against the simulator. */

let sim: RunningSimulator;
let ai: GoogleGenAI;
const MODEL = 'gemini-2.5-flash';

beforeAll(async () => {
  sim = await startSimulator({ seed: 13 });
  ai = new GoogleGenAI({ apiKey: 'gemini-simulated', httpOptions: { baseUrl: sim.baseUrlFor('gemini') } });
});
afterAll(() => sim.close());

const declarations: FunctionDeclaration[] = [
  {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
  },
  {
    name: 'get_time',
    description: 'Current local time in a timezone',
    parameters: { type: Type.OBJECT, properties: { timezone: { type: Type.STRING } }, required: ['timezone'] },
  },
];
const config = { tools: [{ functionDeclarations: declarations }] };

describe('@google/genai function calling → simulator', () => {
  it('returns functionCall parts the SDK exposes as functionCalls', async () => {
    const response = await ai.models.generateContent({ model: MODEL, contents: 'What is the weather in Lisbon?', config });
    expect(response.functionCalls?.map((call) => [call.name, call.args])).toEqual([['get_weather', { city: 'Lisbon' }]]);
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('completes a multi-step loop: functionResponse follow-up answered in text', async () => {
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'What is the weather in Lisbon and the local time there?' }] }];
    let steps = 0;
    let answer = '';
    while (steps++ < 5) {
      const response = await ai.models.generateContent({ model: MODEL, contents, config });
      const calls = response.functionCalls ?? [];
      if (calls.length === 0) {
        answer = response.text ?? '';
        break;
      }
      contents.push(response.candidates?.[0]?.content ?? { role: 'model', parts: [] });
      contents.push({
        role: 'user',
        parts: calls.map((call) => ({
          functionResponse: { name: call.name ?? '', response: call.name === 'get_weather' ? { sky: 'clear', celsius: 24 } : { output: '16:45' } },
        })),
      });
    }
    expect(steps).toBe(2);
    expect(answer).toContain('clear');
    expect(answer).toContain('16:45');
  });

  it('streams function calls whole', async () => {
    const calls: unknown[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'What is the weather in Lisbon and the local time there?', config })) {
      for (const call of chunk.functionCalls ?? []) calls.push([call.name, call.args]);
    }
    expect(calls).toEqual([
      ['get_weather', { city: 'Lisbon' }],
      ['get_time', { timezone: 'Lisbon' }],
    ]);
  });

  it('follows functionCallingConfig: ANY with allowedFunctionNames, and NONE', async () => {
    const forced = await ai.models.generateContent({
      model: MODEL,
      contents: 'Tell me a joke',
      config: { ...config, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] } } },
    });
    expect(forced.functionCalls?.map((call) => call.name)).toEqual(['get_time']);
    const none = await ai.models.generateContent({
      model: MODEL,
      contents: 'What is the weather in Lisbon?',
      config: { ...config, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    expect(none.functionCalls).toBeUndefined();
  });

  it('answers responseMimeType application/json with JSON matching responseSchema', async () => {
    const response = await ai.models.generateContent({
      model: MODEL,
      contents: 'A cookie recipe as JSON: recipe name "Shortbread", with ingredients.',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: Type.OBJECT,
          properties: {
            recipeName: { type: Type.STRING },
            ingredients: { type: Type.ARRAY, items: { type: Type.STRING } },
            servings: { type: Type.INTEGER },
          },
          required: ['recipeName', 'ingredients', 'servings'],
        },
      },
    });
    const value = JSON.parse(response.text ?? '') as { recipeName: string; ingredients: unknown[]; servings: number };
    expect(value.recipeName).toBe('Shortbread');
    expect(value.ingredients.length).toBeGreaterThan(0);
    expect(value.ingredients.every((item) => typeof item === 'string')).toBe(true);
    expect(Number.isInteger(value.servings)).toBe(true);
  });

  it('accepts inlineData images', async () => {
    const response = await ai.models.generateContent({
      model: MODEL,
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }, { text: 'What is this?' }] }],
    });
    expect(response.text).toMatch(/^I received 1 attachment/);
  });

  it('rejects a functionResponse whose response is not an object, and JSON Schema keywords outside its subset, as the API does', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.baseUrlFor('gemini')}/v1beta/models/${MODEL}:generateContent?key=k`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const notObject = await post({
      contents: [
        { role: 'user', parts: [{ text: 'time?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: '16:45' } }] },
      ],
    });
    expect(notObject.status).toBe(400);
    expect(((await notObject.json()) as { error: { message: string } }).error.message).toContain('function_response.response');
    const openSchema = await post({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } }] }],
    });
    expect(openSchema.status).toBe(400);
    expect(((await openSchema.json()) as { error: { message: string } }).error.message).toContain('Unknown name "additionalProperties"');
  });
});
