/**
 * Adapter for provider embedding APIs (OpenAI, Gemini, OpenAI-compatible such as Ollama): the
 * composition root passes a function that calls the endpoint; this adapter batches, checks the
 * dimensions and L2-normalises (cosine on the index assumes unit vectors).
 */

import { FortitudeError } from '../../../core/errors.js';
import { l2Normalise, type Embedder } from './embedder.js';

export interface ProviderEmbedderOptions {
  /** e.g. `openai:text-embedding-3-small`; becomes part of the index file name. */
  id: string;
  dimensions: number;
  /** Calls the provider; returns one vector per text, in order. */
  embed: (texts: string[]) => Promise<number[][]>;
  /** Texts per call. Default 96 (below OpenAI's and Gemini's batch limits). */
  batchSize?: number;
}

export function createProviderEmbedder(options: ProviderEmbedderOptions): Embedder {
  const batchSize = Math.max(1, options.batchSize ?? 96);
  return {
    id: options.id,
    dimensions: options.dimensions,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const result = await options.embed(batch);
        if (result.length !== batch.length) {
          throw new FortitudeError('provider_error', `embedder ${options.id} returned ${result.length} vectors for ${batch.length} texts`);
        }
        for (const values of result) {
          if (values.length !== options.dimensions) {
            throw new FortitudeError('config_invalid', `embedder ${options.id} returned ${values.length} dimensions, expected ${options.dimensions}`, {
              details: { embedder: options.id, expected: options.dimensions, received: values.length },
            });
          }
          vectors.push(l2Normalise(Float32Array.from(values)));
        }
      }
      return vectors;
    },
  };
}
