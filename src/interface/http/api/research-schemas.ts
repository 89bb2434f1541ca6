import { z } from 'zod';
import type { ResearchRequest } from '../../../core/research.js';
import { MAX_QUERY_LENGTH, queryTooLong, RESEARCH_TYPES } from '../../../core/research.js';

/** Bodies and queries of the `/api` routes. Unknown body fields are ignored. */

const researchType = z.enum(RESEARCH_TYPES, { error: `must be one of ${RESEARCH_TYPES.join(', ')}` });

export const researchBodySchema = z.object({
  query: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(MAX_QUERY_LENGTH, { error: (issue) => queryTooLong(typeof issue.input === 'string' ? issue.input.length : MAX_QUERY_LENGTH + 1) }),
  type: researchType.optional(),
  provider: z.string().min(1).max(100).optional(),
  // The seed's load test sends `provider_preference: "auto"`; `auto` means no preference.
  provider_preference: z.string().min(1).max(100).optional(),
  quality_threshold: z.number().min(0).max(1).optional(),
  cross_validate: z.boolean().optional(),
  stream: z.boolean().optional(),
  cache: z.object({ bypass: z.boolean().optional(), refresh: z.boolean().optional() }).optional(),
});

export type ResearchBody = z.output<typeof researchBodySchema>;

export function toResearchRequest(body: ResearchBody, user: string | undefined): ResearchRequest {
  const request: ResearchRequest = { query: body.query };
  if (body.type !== undefined) request.type = body.type;
  const provider = body.provider ?? (body.provider_preference === 'auto' ? undefined : body.provider_preference);
  if (provider !== undefined) request.provider = provider;
  if (body.quality_threshold !== undefined) request.qualityThreshold = body.quality_threshold;
  if (body.cross_validate !== undefined) request.crossValidate = body.cross_validate;
  if (user !== undefined) request.user = user;
  if (body.cache !== undefined) request.cache = body.cache;
  return request;
}

/** A whole-number query parameter; every refusal names the range (`-5`, `abc` and `101` alike). */
const integerText = (min: number, max: number) => {
  const range = { error: `must be a whole number from ${min} to ${max}` };
  return z
    .string()
    .regex(/^\d{1,9}$/, range)
    .transform(Number)
    .pipe(z.number().min(min, range).max(max, range));
};

export const searchQuerySchema = z.object({
  q: z.string().max(1000).optional(),
  type: researchType.optional(),
  limit: integerText(1, 100).default(20),
  offset: integerText(0, 1_000_000).default(0),
});

const RATING = { error: 'must be a whole number from 1 to 5' };

export const feedbackBodySchema = z.object({
  result_id: z.string().min(1, { error: 'must not be empty' }).max(200),
  rating: z.number().int(RATING).min(1, RATING).max(5, RATING),
  comment: z.string().max(4000).optional(),
});

/** Ids are opaque but bounded and printable. */
export const resultIdSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((id) => !hasControlOrSlash(id), { error: 'contains invalid characters' });

function hasControlOrSlash(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x2f) return true;
  }
  return false;
}
