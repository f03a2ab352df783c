/**
 * Query strings of every GET route, checked one way: a schema per route (strict, so an unknown parameter such as
 * `?date=` for `?day=` is refused, not silently ignored), and a refusal that names the parameter
 * (HTTP 400 REQUEST_INVALID, `details.field`). Never a thrown ZodError, which used to end as HTTP 500 INTERNAL.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

export type QueryResult<T> = { ok: true; data: T } | { ok: false; field: string; message: string };

/** One value of a parameter: `?a=1&a=2` (an array) is refused like any other malformed value. */
const one = (): z.ZodString => z.string({ error: 'give it once' });

/** A whole number from 1 to max, as text (`abc`, `0`, `-1`, `2.5`, empty and `99999999999` are refused). */
export function limitParam(max: number, dflt?: string): z.ZodType<number> {
  const msg = `expected a whole number from 1 to ${max}`;
  const s = one().regex(/^\d{1,12}$/, msg).transform(Number).refine((n) => n >= 1 && n <= max, msg);
  return dflt === undefined ? s : one().default(dflt).pipe(s);
}

/** One of a few words (`?status=opne` is refused, not read as "all"). */
export function enumParam<const T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number]> {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

/** Checks a route's query against its schema; unknown parameters are refused by name. */
export function parseQuery<S extends z.ZodRawShape>(shape: S, query: unknown): QueryResult<z.output<z.ZodObject<S>>> {
  const q = query !== null && typeof query === 'object' ? query : {};
  const known = new Set(Object.keys(shape));
  const unknown = Object.keys(q).find((k) => !known.has(k));
  if (unknown !== undefined) {
    const allowed = known.size > 0 ? `this request takes ${[...known].join(', ')}` : 'this request takes no parameters';
    return { ok: false, field: unknown, message: `${unknown}: not a parameter of this request (${allowed})` };
  }
  const r = z.object(shape).safeParse(q);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || 'query';
  const raw = (q as Record<string, unknown>)[field];
  const got = raw === undefined ? '' : Array.isArray(raw) ? ` (got ${raw.length} values)` : ` (got ${JSON.stringify(raw)})`;
  return { ok: false, field, message: `${field}: ${issue?.message ?? 'invalid'}${got}` };
}

/** The refusal for a bad query: HTTP 400 REQUEST_INVALID naming the parameter, in the API's error shape. */
export function queryInvalid(reply: FastifyReply, r: { field: string; message: string }, code = 'REQUEST_INVALID'): FastifyReply {
  return reply.status(400).send({ ok: false, error: { code, message: r.message, hint: `Correct or leave out "${r.field}".`, details: { field: r.field } } });
}

/** A thrown ZodError (a route that parsed with .parse): the same 400 naming the field, never HTTP 500. */
export function zodIssueMessage(e: z.ZodError): { field: string; message: string } {
  const i = e.issues[0];
  const field = i?.path.join('.') || 'request';
  return { field, message: `${field}: ${i?.message ?? 'invalid'}` };
}
