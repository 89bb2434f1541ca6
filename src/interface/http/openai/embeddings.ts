import { z } from 'zod';
import type { EmbeddingRequest, EmbeddingResult } from '../../../core/chat.js';

const text = z.string().min(1, { error: 'must not be an empty string' });

/** https://platform.openai.com/docs/api-reference/embeddings/create (text inputs only). */
export const embeddingBodySchema = z.object({
  model: z.string().min(1, { error: 'must not be empty' }).max(256),
  // OpenAI refuses an empty string, alone or in the array: there is nothing to embed.
  input: z.union([text, z.array(text).min(1, { error: 'must not be empty' }).max(2048)], {
    error: 'must be a string or an array of strings (token arrays are not supported)',
  }),
  // The OpenAI SDK asks for base64 by default and decodes it itself.
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().max(65_536).nullish(),
  user: z.string().max(256).nullish(),
});

export type EmbeddingBody = z.output<typeof embeddingBodySchema>;

export function toEmbeddingRequest(body: EmbeddingBody): EmbeddingRequest {
  const request: EmbeddingRequest = { model: body.model, input: typeof body.input === 'string' ? [body.input] : body.input };
  if (body.dimensions != null) request.dimensions = body.dimensions;
  return request;
}

export function renderEmbeddings(result: EmbeddingResult, encoding: 'float' | 'base64'): string {
  return JSON.stringify({
    object: 'list',
    data: result.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? base64Floats(vector) : vector,
    })),
    model: result.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  });
}

/** OpenAI's base64 embedding: little-endian float32 values. */
export function base64Floats(vector: readonly number[]): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) buffer.writeFloatLE(vector[index]!, index * 4);
  return buffer.toString('base64');
}
