import type { ChatMessage, ChatRequest } from '../core/chat.js';

/** Prompt tokens of a chat request before it is sent (`estimateChatTokens` in production). */
export type PromptTokenEstimator = (request: ChatRequest) => number;

/**
 * One call's prompt-token count, counted at most once: by whichever consumer needs it first (the
 * budget's reservation in `pipeline/provider-call.ts`, a provider's `tokens_per_minute` limit in
 * `rate-limit/with-rate-limit.ts`), then reused by the others — every member of the fallback
 * chain, hedged tries included. A call where no consumer asks counts nothing.
 *
 * It holds for the messages array it was made for: a layer that rewrites the messages (token
 * optimization) hands the layers below a new array, which is counted afresh. The estimate depends
 * on nothing else of the request (model choice, `maxTokens`). A second estimator (tests inject
 * their own) counts for itself.
 */
export class PromptTokens {
  #tokens = 0;
  #estimate: PromptTokenEstimator | undefined;

  constructor(readonly messages: readonly ChatMessage[]) {}

  /** `estimate(request)`, counted once for this call's messages. */
  of(request: ChatRequest, estimate: PromptTokenEstimator): number {
    if (request.messages !== this.messages) return estimate(request);
    if (this.#estimate === estimate) return this.#tokens;
    if (this.#estimate !== undefined) return estimate(request);
    this.#tokens = estimate(request);
    this.#estimate = estimate;
    return this.#tokens;
  }
}
