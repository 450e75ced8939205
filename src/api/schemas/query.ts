/**
 * Query strings of the read routes, checked with zod like bodies are: a value of the wrong kind
 * (an array, a nested object, a date that is not one) is a 422 naming the parameter, never a 500
 * and never a silently dropped filter. An empty value counts as absent; unknown parameters are
 * ignored, as Lago does. A parameter Lago defines that Billow does not honour is refused with
 * `feature_not_supported` (honour or refuse, never ignore).
 */
import { z } from 'zod';
import { isCurrency } from '../../billing/money';
import { isLocalDate } from '../../billing/calendar';
import { parseInput } from '../validation';

/** Drops empty values (`?currency=`), so they count as absent. */
function present(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== '' && value !== undefined));
}

/** Parses a query string with a zod object schema (422 naming each bad parameter). */
export function parseQuery<T extends z.ZodType>(query: Record<string, unknown>, schema: T): z.infer<T> {
  return parseInput(present(query), schema);
}

export const text = z.string().max(255);
export const currencyParam = z.string().transform((value) => value.toUpperCase()).refine((value) => isCurrency(value), { message: 'value_is_invalid' });
/** ISO-8601 instant (`2027-03-28T12:21:51Z`) or a date (its midnight UTC): Lago's date-time filters. */
export const instantParam = z.string().max(64).transform((value, ctx): Date => {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms) || (value.length === 10 && !isLocalDate(value))) {
    ctx.addIssue({ code: 'custom', message: 'invalid_date', params: { code: 'invalid_date' } });
    return z.NEVER;
  }
  return new Date(ms);
});
export const localDateParam = z.string().refine((value) => isLocalDate(value), { message: 'invalid_date' });
/** `true` / `false`, as query strings carry booleans. */
export const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');
/** A whole number in a range, from its decimal digits. */
export function integerParam(min: number, max: number) {
  return z.string().regex(/^\d{1,9}$/, { message: 'value_is_invalid' }).transform(Number).refine((n) => n >= min && n <= max, { message: 'value_is_out_of_range' });
}
/** A Lago parameter Billow does not honour yet: present, it is refused naming itself. */
export const unsupported = z.unknown().refine((value) => value === undefined, { message: 'feature_not_supported' });
/** Parameters Billow does not honour, for a route's schema. */
export function unsupportedParams(...names: string[]): Record<string, typeof unsupported> {
  return Object.fromEntries(names.map((name) => [name, unsupported]));
}
