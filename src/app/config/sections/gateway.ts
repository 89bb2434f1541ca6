import { z } from 'zod';

/**
 * The `/v1` gateway's model names. A request names a model some configured provider serves
 * (its `model` or `models`), `auto` (the router picks the provider, each at its own model), or
 * an alias listed here; anything else is a 404 `model_not_found` in the caller's API shape.
 */
export const gatewaySchema = z
  .strictObject({
    /** Extra names clients may send, each mapped to a served model or to `auto`: `{ "gpt-5": "gpt-4o-mini", "claude": "auto" }`. */
    model_aliases: z.record(z.string().min(1).max(256), z.string().min(1).max(256)).default({}),
    /**
     * Responses API objects kept (unless a request sends `store: false`) for `previous_response_id`
     * and `GET`/`DELETE /v1/responses/{id}`, per API key, in the database. OpenAI keeps them 30 days.
     */
    stored_responses: z
      .strictObject({
        /** Days a stored response can be read or continued; expired rows are deleted hourly. */
        retention_days: z.number().positive().max(3650).default(30),
      })
      .prefault({}),
  })
  .prefault({});
