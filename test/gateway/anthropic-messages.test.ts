/**
 * Issue 16: the Anthropic Messages API on the gateway, with the official `@anthropic-ai/sdk`
 * and with Claude Code itself (`claude -p`, installed from npm into test/.tools, never a
 * dependency), against `fortitude serve` as shipped with the built-in simulator.
 */
import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../observability/spawn-server.js';

let server: SpawnedServer;
let client: Anthropic;
const MODEL = 'claude-3-5-haiku-20241022';

beforeAll(async () => {
  server = await spawnServer();
  client = new Anthropic({ apiKey: 'unused-on-loopback', baseURL: server.url, maxRetries: 0, timeout: 20_000 });
}, 90_000);

afterAll(async () => {
  await server?.close();
});

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Get the current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('@anthropic-ai/sdk against /v1/messages', () => {
  it('a message, with usage and the simulated label', async () => {
    const { data, response } = await client.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'What is a tokio task?' }] }).withResponse();
    expect(data.type).toBe('message');
    expect(data.role).toBe('assistant');
    expect(data.content[0]?.type).toBe('text');
    expect(data.stop_reason).toMatch(/end_turn|max_tokens/);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-fortitude-simulated')).toBe('true');
    expect(response.headers.get('x-fortitude-provider')).toBe('claude');
  });

  it('a stream the SDK assembles into the final message', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Explain Rust lifetimes briefly.' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text.length).toBeGreaterThan(0);
    expect(final.content[0]?.type === 'text' ? final.content[0].text : '').toBe(text);
  });

  it('any provider can answer: an OpenAI model through the Anthropic API', async () => {
    const { response } = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(response.headers.get('x-fortitude-provider')).toBe('openai');
  });

  it('count_tokens', async () => {
    const counted = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] });
    expect(counted.input_tokens).toBeGreaterThan(5);
  });

  it('errors in Anthropic shape: unknown model is a NotFoundError, bad input a BadRequestError naming the field', async () => {
    await expect(client.messages.create({ model: 'claude-9-imaginary', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const error = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((error as Error).message)).toContain('messages');
  });

  it('a tool loop: tool_use, then a tool_result answered in text', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Use get_weather: what is the weather in Rome?' }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 300, tools: [weather], messages });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(use.name).toBe('get_weather');
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temperature_c": 21}' }] });
    const second = await client.messages.create({ model: MODEL, max_tokens: 300, tools: [weather], messages });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content.some((block) => block.type === 'text' && block.text.length > 0)).toBe(true);
  });

  it('streamed tool use arrives as tool_use blocks with input_json_delta', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 300, tools: [weather], messages: [{ role: 'user', content: 'Use get_weather for Madrid.' }] });
    const final = await stream.finalMessage();
    const use = final.content.find((block) => block.type === 'tool_use');
    expect(use?.type === 'tool_use' ? use.name : undefined).toBe('get_weather');
    expect(typeof (use?.type === 'tool_use' ? (use.input as { city?: unknown }).city : undefined)).toBe('string');
  });
});

/** Claude Code from npm, in a folder of its own (it ships its binary inside the package). */
async function installClaudeCode(): Promise<string> {
  const folder = join(import.meta.dirname, '..', '.tools', 'claude-code');
  const binary = join(folder, 'node_modules', '.bin', 'claude');
  if (existsSync(binary)) return binary;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'claude-code-test-helper', private: true }));
  await new Promise<void>((resolve, reject) =>
    execFile('npm', ['install', '--no-audit', '--no-fund', '--no-save', '@anthropic-ai/claude-code@2'], { cwd: folder, timeout: 240_000 }, (error) => (error ? reject(error) : resolve())),
  );
  return binary;
}

describe('Claude Code (claude -p) with ANTHROPIC_BASE_URL pointed at Fortitude', () => {
  it('answers a headless prompt through the simulator', async () => {
    const claude = await installClaudeCode();
    const requestsToClaude = async () =>
      ((await (await fetch(`${server.url}/api/providers/status`)).json()) as { name: string; requests: number }[]).find((provider) => provider.name === 'claude')?.requests ?? 0;
    const before = await requestsToClaude();
    const home = join(server.cwd, 'claude-home');
    mkdirSync(home, { recursive: true });
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        claude,
        ['-p', 'Reply with one short sentence about tokio.'],
        {
          cwd: server.cwd,
          timeout: 120_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            ANTHROPIC_BASE_URL: server.url,
            ANTHROPIC_API_KEY: 'unused-on-loopback',
            ANTHROPIC_MODEL: MODEL,
            ANTHROPIC_SMALL_FAST_MODEL: MODEL,
            ANTHROPIC_DEFAULT_HAIKU_MODEL: MODEL,
            DISABLE_TELEMETRY: '1',
            DISABLE_AUTOUPDATER: '1',
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          },
        },
        (error, out, err) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err }),
      ),
    );
    expect(code, stderr).toBe(0);
    expect(stdout.trim().length).toBeGreaterThan(0);
    // It went through the gateway to the (simulated) Claude provider.
    expect(await requestsToClaude()).toBeGreaterThan(before);
  }, 360_000);
});
