/**
 * Honour or refuse, never ignore (DESIGN.md §5): the request contract of every operation that takes
 * a body. Each request-body property Lago's OpenAPI description defines is either
 * - **honoured**: Billow acts on it with Lago's semantics. The entry says where that can be seen:
 *   `SHOWN` (the value comes back at the same path in the answer), `shownAs('taxes.*.code')` (it
 *   comes back under another path of the answer), or a sentence naming where Billow acts on it; or
 * - **refused**: a value that asks for something Billow does not do is answered with a 4xx that
 *   names the field, and nothing is written. The values meaning exactly what Billow does (absent,
 *   null, Lago's default) are accepted. `422 {"code":"validation_errors","error_details":
 *   {"<path>":["feature_not_supported"]}}`, or Lago's own `403 feature_unavailable` where Lago's
 *   free edition answers that.
 *
 * Properties Lago does not define either are ignored (zod strips them), as Lago does.
 *
 * Paths. Declarations are dotted paths relative to the envelope root (`billing_configuration.
 * invoice_grace_period` inside `{"customer": {...}}`), `*` standing for every element of an array
 * (`charges.*.min_amount_cents`). A refused object or array refuses everything inside it. Error keys
 * name the element by its index (`charges.0.min_amount_cents`), as every other validation error
 * does; a property Lago puts beside the root (`authorization` beside `subscription`) is declared
 * under `beside` and named by its own key.
 *
 * The contract lives next to its zod schema (`withContract(schema, {...})` in src/api/schemas/*),
 * and `parseEnvelope`/`parseInput` (validation.ts) apply it to every body they parse.
 * test/api/contract-requests.test.ts walks Lago's spec and fails on any property the contract does
 * not classify, probes every refusal, and checks every honoured field is shown or acted on.
 */
import type { z } from 'zod';

/** Honoured, and the value sent comes back at the same path of the answer. */
export const SHOWN = 'shown';

/** Honoured, and the value sent comes back at `path` of the answer (`*` collects a list). */
export function shownAs(path: string): string {
  return `shown as ${path}`;
}

/**
 * Honoured: `SHOWN`, `shownAs(path)`, or a sentence saying where Billow acts on it (a file, a
 * rule) for a field the answer does not show.
 */
export type Honoured = string;

export interface Refusal {
  /** True for a value that asks for something Billow does not do. Absent (undefined) is never refused. */
  refuses: (value: unknown) => boolean;
  /** The values accepted, in words (for the docs and the test's report). */
  accepted: string;
  /** 403 `feature_unavailable`, Lago's own answer in its free edition; otherwise 422 `feature_not_supported`. */
  forbidden?: true;
  /** Why Billow refuses it, and until when. */
  reason: string;
  /** Values to probe the refusal with (besides those the spec gives). */
  examples?: unknown[];
  /** A field Lago's clients send though its OpenAPI description omits it (probed with `examples`). */
  beyondSpec?: true;
}

export interface RequestContract {
  honoured: Readonly<Record<string, Honoured>>;
  /**
   * Honoured fields that Lago's clients send though its OpenAPI description omits them for this
   * operation (Lago's service reads them: `PUT /subscriptions`' termination options); declared in
   * `honoured` too, and checked like the others.
   */
  honouredBeyondSpec?: readonly string[];
  refused: Readonly<Record<string, Refusal>>;
  /** Properties Lago sends beside the envelope root (`authorization` beside `subscription`). */
  beside?: Readonly<Record<string, Refusal>>;
}

const contracts = new WeakMap<z.ZodType, RequestContract>();

/** Declares the contract of the operations that parse their body with `schema`. */
export function withContract<T extends z.ZodType>(schema: T, contract: RequestContract): T {
  contracts.set(schema, contract);
  return schema;
}

export function contractOf(schema: z.ZodType): RequestContract | undefined {
  return contracts.get(schema);
}

/** Every field of `paths` honoured the same way. */
export function honour(how: Honoured, ...paths: string[]): Record<string, Honoured> {
  return Object.fromEntries(paths.map((path) => [path, how]));
}

/** The same declarations under a prefix (`charges.*.` + `properties.amount`). */
export function under<T>(prefix: string, declarations: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(declarations).map(([path, value]) => [`${prefix}${path}`, value]));
}

// Refusals -----------------------------------------------------------------------------------------

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Refused whenever it carries something: a non-empty string, object or list, any number, any boolean. */
export function refuseUnlessEmpty(reason: string, options: Partial<Refusal> = {}): Refusal {
  return {
    refuses: (value) => {
      if (value === undefined || value === null) return false;
      if (Array.isArray(value)) return value.length > 0;
      if (isRecord(value)) return Object.keys(value).length > 0;
      if (typeof value === 'string') return value.trim() !== '';
      return typeof value === 'number' || typeof value === 'boolean';
    },
    accepted: 'absent, null or empty',
    reason,
    ...options,
  };
}

/** A boolean flag: `true` (or "true", as Rails would cast it) is refused, `false` and null accepted. */
export function refuseTrue(reason: string): Refusal {
  return { refuses: (value) => value === true || value === 'true', accepted: 'false or null', reason };
}

/** A boolean flag whose default is `true`: `false` (or "false") is refused. */
export function refuseFalse(reason: string): Refusal {
  return { refuses: (value) => value === false || value === 'false', accepted: 'true or null', reason };
}

/** A number (or a numeric string): anything but 0 is refused. */
export function refuseNonZero(reason: string): Refusal {
  return {
    refuses: (value) => {
      if (typeof value === 'number') return Number.isFinite(value) && value !== 0;
      if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value) !== 0;
      return false;
    },
    accepted: '0 or null',
    reason,
  };
}

/** A string: anything but the listed values (Lago's default, and what means the same) is refused. */
export function refuseUnlessOneOf(values: readonly string[], reason: string): Refusal {
  return {
    refuses: (value) => typeof value === 'string' && !values.includes(value),
    accepted: `${values.map((v) => `"${v}"`).join(', ')} or null`,
    reason,
  };
}

/** A string: the listed values are refused, the others honoured (e.g. a charge model Billow lacks). */
export function refuseValues(values: readonly string[], reason: string): Refusal {
  return {
    refuses: (value) => typeof value === 'string' && values.includes(value),
    accepted: `anything but ${values.map((v) => `"${v}"`).join(', ')}`,
    reason,
    examples: [...values],
  };
}

/** Lago's 403 `feature_unavailable` (its free edition's answer) for anything but empty. */
export function forbidUnlessEmpty(reason: string): Refusal {
  return { ...refuseUnlessEmpty(reason), forbidden: true };
}

// Checking a body -----------------------------------------------------------------------------------

export interface RefusedField {
  /** The concrete path (`charges.0.min_amount_cents`). */
  path: string;
  forbidden: boolean;
}

/** Every value at `path` (`*` for every element of an array, or an index) in `input`, with its concrete path. Missing ones are absent. */
export function valuesAt(input: unknown, path: string): { path: string; value: unknown }[] {
  const found: { path: string; value: unknown }[] = [];
  const walk = (node: unknown, parts: string[], at: string[]) => {
    if (parts.length === 0) {
      found.push({ path: at.join('.'), value: node });
      return;
    }
    const [head, ...rest] = parts as [string, ...string[]];
    if (head === '*') {
      if (Array.isArray(node)) node.forEach((item, index) => walk(item, rest, [...at, String(index)]));
      return;
    }
    if (Array.isArray(node)) {
      if (/^\d+$/.test(head) && Number(head) < node.length) walk(node[Number(head)], rest, [...at, head]);
      return;
    }
    if (isRecord(node) && Object.prototype.hasOwnProperty.call(node, head)) walk(node[head], rest, [...at, head]);
  };
  walk(input, path.split('.'), []);
  return found;
}

/** The fields of `inner` (the envelope's content) and of `body` (beside the root) that the contract refuses. */
export function refusedFields(contract: RequestContract, inner: unknown, body?: unknown): RefusedField[] {
  const refused: RefusedField[] = [];
  const check = (declarations: Readonly<Record<string, Refusal>>, input: unknown) => {
    for (const [path, refusal] of Object.entries(declarations)) {
      for (const { path: concrete, value } of valuesAt(input, path)) {
        if (value !== undefined && refusal.refuses(value)) refused.push({ path: concrete, forbidden: refusal.forbidden === true });
      }
    }
  };
  check(contract.refused, inner);
  if (contract.beside && body !== undefined) check(contract.beside, body);
  return refused;
}
