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
  })
  .prefault({});
