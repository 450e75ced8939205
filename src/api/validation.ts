/**
 * Parses a request body with zod and turns problems into Lago's 400/422 errors, applying the
 * operation's request contract (contract.ts: honour or refuse) declared on the schema.
 */
import { z } from 'zod';
import { badRequest, forbidden, validationErrors } from './errors';
import { contractOf, refusedFields } from './contract';

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
  return parseChecked(inner, schema, body);
}

/**
 * An optional envelope (Lago's `{"charge": {"cascade_updates": …}}` on a DELETE): parsed and its
 * contract applied when the root is there, else undefined.
 */
export function parseOptionalEnvelope<T extends z.ZodType>(body: unknown, root: string, schema: T): z.infer<T> | undefined {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[root] : undefined;
  if (inner === undefined || inner === null) return undefined;
  return parseChecked(inner, schema, body);
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
  return parseChecked(input, schema, undefined);
}

/** Lago's code for a field Billow refuses (contract.ts). */
export const FEATURE_NOT_SUPPORTED = 'feature_not_supported';

/**
 * The contract's refusals come first: a field Lago's free edition refuses is a 403
 * `feature_unavailable`; one Billow cannot honour is named `feature_not_supported` in the 422, with
 * every other problem of the body (a refused field's own type errors give way to the refusal).
 */
function parseChecked<T extends z.ZodType>(input: unknown, schema: T, body: unknown): z.infer<T> {
  const nul = nulCharacterPath(input);
  if (nul !== undefined) throw validationErrors({ [nul]: ['value_is_invalid'] });
  const contract = contractOf(schema);
  const refused = contract ? refusedFields(contract, input, body) : [];
  if (refused.some((field) => field.forbidden)) throw forbidden('feature_unavailable');
  // reportInput: tells a missing value (value_is_mandatory) from a wrong one (value_is_invalid).
  const parsed = schema.safeParse(input, { reportInput: true });
  const details = parsed.success ? {} : fieldErrors(parsed.error);
  for (const { path } of refused) {
    for (const key of Object.keys(details)) if (key === path || key.startsWith(`${path}.`)) delete details[key];
    details[path] = [FEATURE_NOT_SUPPORTED];
  }
  if (Object.keys(details).length > 0 || !parsed.success) throw validationErrors(details);
  return parsed.data;
}

/** A custom zod issue carrying a Lago code. */
export function issue(ctx: z.core.$RefinementCtx, path: (string | number)[], code: string): void {
  ctx.addIssue({ code: 'custom', path, message: code, params: { code } });
}
