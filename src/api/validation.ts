/** Parses a request body with zod and turns problems into Lago's 400/422 errors. */
import { z } from 'zod';
import { badRequest, validationErrors } from './errors';

/** Lago's machine codes for zod's issue kinds. */
function codeFor(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom' && typeof issue.params?.code === 'string') return issue.params.code;
  // Refinements name their Lago code as the message (`refine(..., { message: 'invalid_date' })`).
  if (issue.code === 'custom' && /^[a-z][a-z_]*$/.test(issue.message)) return issue.message;
  const input = (issue as { input?: unknown }).input;
  if (['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code) && (input === undefined || input === null)) return 'value_is_mandatory';
  // A blank required string is a presence failure in Lago, not a range one.
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) return 'value_is_mandatory';
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'value_is_out_of_range';
  return 'value_is_invalid';
}

export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const details: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join('.') : 'base';
    const code = codeFor(issue);
    const codes = (details[key] ??= []);
    if (!codes.includes(code)) codes.push(code);
  }
  return details;
}

/** `{ "<root>": {...} }` envelopes: a missing root is a 400, like Rails' `params.require`. */
export function parseEnvelope<T extends z.ZodType>(body: unknown, root: string, schema: T): z.infer<T> {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[root] : undefined;
  if (inner === undefined || inner === null || (typeof inner === 'object' && Object.keys(inner).length === 0)) {
    throw badRequest(`param is missing or the value is empty: ${root}`);
  }
  return parseInput(inner, schema);
}

/** Where a body holds a NUL character (Postgres text cannot store one), as a field path. */
export function nulCharacterPath(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? (path.join('.') || 'base') : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key.replace(/\u0000/g, '')].join('.') || 'base';
    const found = nulCharacterPath(inner, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function parseInput<T extends z.ZodType>(input: unknown, schema: T): z.infer<T> {
  const nul = nulCharacterPath(input);
  if (nul !== undefined) throw validationErrors({ [nul]: ['value_is_invalid'] });
  // reportInput: tells a missing value (value_is_mandatory) from a wrong one (value_is_invalid).
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw validationErrors(fieldErrors(parsed.error));
  return parsed.data;
}

/** A custom zod issue carrying a Lago code. */
export function issue(ctx: z.core.$RefinementCtx, path: (string | number)[], code: string): void {
  ctx.addIssue({ code: 'custom', path, message: code, params: { code } });
}
