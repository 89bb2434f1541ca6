import { randomUUID } from 'node:crypto';

/** A client-supplied id is kept only when it is short and plain, so it is safe in logs. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && ACCEPTABLE.test(header)) return header;
  return randomUUID();
}
