import type { RequestKind } from './load-plan.js';
import { createSeededRandom } from '../../core/seeded-random.js';

/**
 * The requests a load test sends, drawn with a seeded generator so two runs send the same
 * sequence. Research questions come from small pools, so repeats exercise the cache as real
 * traffic does; one in five carries a unique suffix and must reach a provider.
 */

export interface LoadRequest {
  kind: RequestKind;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

const TOPICS = ['Rust lifetimes', 'tokio tasks', 'PostgreSQL indexes', 'Redis eviction', 'Kubernetes probes', 'Go channels', 'TypeScript generics', 'HTTP/2 streams', 'Kafka partitions', 'SQLite WAL mode', 'gRPC deadlines', 'React hooks'];
const SIMPLE = ['What is {t}?', 'How do {t} work?', 'Give an example of {t}', 'When should I use {t}?'];
const COMPLEX = [
  'Compare the trade-offs of {t} against the alternatives for a high-throughput service, with failure modes and a migration plan',
  'Design an implementation that uses {t} under heavy concurrency; explain the edge cases, testing approach and observability',
  'Should our team adopt {t} for a multi-tenant SaaS backend? Weigh cost, operability and performance with concrete numbers',
];

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

function question(templates: readonly string[], random: () => number, sequence: number): string {
  const text = pick(templates, random).replace('{t}', pick(TOPICS, random));
  return random() < 0.2 ? `${text} (variant ${sequence})` : text;
}

const HEALTH: LoadRequest = { kind: 'health', method: 'GET', path: '/api/health' };
const STATUS: LoadRequest = { kind: 'provider_status', method: 'GET', path: '/api/providers/status' };

export function createRequestMix(mix: Record<RequestKind, number>, seed = 1): () => LoadRequest {
  const random = createSeededRandom(seed);
  const kinds = Object.entries(mix).filter(([, share]) => share > 0) as [RequestKind, number][];
  const total = kinds.reduce((sum, [, share]) => sum + share, 0);
  let sequence = 0;
  return () => {
    sequence += 1;
    let roll = random() * total;
    let kind: RequestKind = kinds[kinds.length - 1]![0];
    for (const [candidate, share] of kinds) {
      if (roll < share) {
        kind = candidate;
        break;
      }
      roll -= share;
    }
    switch (kind) {
      case 'health':
        return HEALTH;
      case 'provider_status':
        return STATUS;
      case 'research_simple':
        return { kind, method: 'POST', path: '/api/research', body: JSON.stringify({ query: question(SIMPLE, random, sequence), provider_preference: 'auto' }) };
      case 'research_complex':
        return { kind, method: 'POST', path: '/api/research', body: JSON.stringify({ query: question(COMPLEX, random, sequence), provider_preference: 'auto' }) };
      case 'research_quality':
        return { kind, method: 'POST', path: '/api/research', body: JSON.stringify({ query: question(COMPLEX, random, sequence), quality_threshold: 0.9, cross_validate: true }) };
    }
  };
}
