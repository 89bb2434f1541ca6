/**
 * The port through which the semantic cache keeps its entries. The cache holds its own
 * in-memory view (vector index, exact keys, verifier features) and uses the store as the source
 * of truth for values and for rebuilding on start. Implementations: `memory-entry-store.ts`
 * (with an optional persistence hook); the composition root may add one over storage or Redis.
 */

export interface SemanticContext {
  /** Tenant or API-key namespace. Entries never cross namespaces. */
  namespace: string;
  researchType?: string;
  audience?: string;
  domain?: string;
  model?: string;
  /** Other parameters that change the answer (temperature, max tokens …). */
  parameters?: Readonly<Record<string, string | number | boolean>>;
}

export interface SemanticEntry<V> {
  /** Unique id (UUID). */
  readonly id: string;
  /** Exact key: context key + normalised question. */
  readonly key: string;
  /** `contextKey(context)`: the partition the entry lives in. */
  readonly contextKey: string;
  readonly context: SemanticContext;
  /** The question as it was asked. */
  readonly question: string;
  readonly value: V;
  /** The question's embedding (L2-normalised) from `embedderId`. */
  readonly embedding: Float32Array;
  readonly embedderId: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Epoch milliseconds after which the entry is never served. */
  readonly expiresAt: number;
}

export interface SemanticEntryStore<V> {
  get(id: string): Promise<SemanticEntry<V> | undefined>;
  /** Inserts or replaces by id. */
  put(entry: SemanticEntry<V>): Promise<void>;
  /** True when an entry was removed. */
  delete(id: string): Promise<boolean>;
  /** Every stored entry (expired ones included; the cache filters), for rebuilding on start. */
  list(): Promise<Array<SemanticEntry<V>>>;
  close(): Promise<void>;
}

/** The JSON-safe form of an entry (embedding as base64 of its float32 bytes). */
export interface SerialisedSemanticEntry<V> extends Omit<SemanticEntry<V>, 'embedding'> {
  embedding: string;
}

export function serialiseEntry<V>(entry: SemanticEntry<V>): SerialisedSemanticEntry<V> {
  const bytes = Buffer.from(entry.embedding.buffer, entry.embedding.byteOffset, entry.embedding.byteLength);
  return { ...entry, embedding: bytes.toString('base64') };
}

export function deserialiseEntry<V>(entry: SerialisedSemanticEntry<V>): SemanticEntry<V> {
  const bytes = Buffer.from(entry.embedding, 'base64');
  const embedding = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(embedding.buffer).set(bytes);
  return { ...entry, embedding };
}

/** The partition key: namespace and every context field that changes the answer, order-independent. */
export function contextKey(context: SemanticContext): string {
  const parameters = context.parameters
    ? Object.keys(context.parameters).sort().map((name) => [name, context.parameters![name]])
    : [];
  return JSON.stringify([
    context.namespace, context.researchType ?? null, context.audience ?? null, context.domain ?? null,
    context.model ?? null, parameters,
  ]);
}
