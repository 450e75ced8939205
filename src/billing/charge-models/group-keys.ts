/**
 * The grouping keys a charge's (or a filter's) properties carry beside its model's own:
 * - `pricing_group_keys` (Lago's deprecated alias `grouped_by`, read when the former is absent):
 *   one fee per distinct tuple of these event properties, each priced on its own;
 * - `presentation_group_keys` (`[{value, options: {display_in_invoice}}]`): a display-only split
 *   of each fee's units by these properties, which changes no amount.
 * Both are validated when the plan is written (`groupKeysProblems`); reading assumes valid input.
 */
import { isRecord } from './fields';

function distinctNames(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '' && item.length <= 255) && new Set(value).size === value.length;
}

/** The pricing group keys of raw properties ([] when there are none). */
export function pricingGroupKeysOf(properties: unknown): string[] {
  if (!isRecord(properties)) return [];
  const keys = properties.pricing_group_keys ?? properties.grouped_by;
  return distinctNames(keys) ? keys : [];
}

export interface PresentationGroupKey {
  value: string;
  displayInInvoice: boolean;
}

/** The presentation group keys of raw properties ([] when there are none). */
export function presentationGroupKeysOf(properties: unknown): PresentationGroupKey[] {
  if (!isRecord(properties) || !Array.isArray(properties.presentation_group_keys)) return [];
  return properties.presentation_group_keys.flatMap((entry) => {
    if (!isRecord(entry) || typeof entry.value !== 'string') return [];
    const options = isRecord(entry.options) ? entry.options : {};
    return [{ value: entry.value, displayInInvoice: options.display_in_invoice === true }];
  });
}

/** `[field, code]` problems of the grouping keys of raw properties (`value_is_invalid`). */
export function groupKeysProblems(properties: Record<string, unknown>): [field: string, code: string][] {
  const problems: [string, string][] = [];
  for (const field of ['pricing_group_keys', 'grouped_by']) {
    const value = properties[field];
    if (value !== undefined && value !== null && !distinctNames(value)) problems.push([field, 'value_is_invalid']);
  }
  const presentation = properties.presentation_group_keys;
  if (presentation !== undefined && presentation !== null) {
    const valid = Array.isArray(presentation)
      && presentation.every((entry) => isRecord(entry) && typeof entry.value === 'string' && entry.value.trim() !== '' && entry.value.length <= 255
        && (entry.options === undefined || entry.options === null || (isRecord(entry.options)
          && (entry.options.display_in_invoice === undefined || entry.options.display_in_invoice === null || typeof entry.options.display_in_invoice === 'boolean'))))
      && new Set(presentation.map((entry) => (entry as { value: string }).value)).size === presentation.length;
    if (!valid) problems.push(['presentation_group_keys', 'value_is_invalid']);
  }
  return problems;
}
