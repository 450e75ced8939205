/**
 * The request bodies of Lago's OpenAPI description (`../shared/reference/lago-openapi.yaml`,
 * read from the shared reference, never copied into the project), walked into field paths and
 * matched with the operations Billow serves (OPERATIONS) and their request contracts
 * (src/api/contract.ts). Used by test/api/contract-requests.test.ts and scripts/contract-counts.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { OPERATIONS, type Operation } from '../../src/api/openapi';
import { contractOf, type Refusal, type RequestContract } from '../../src/api/contract';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO_ROOT = resolve(__dirname, '../..');
export const SPEC_CANDIDATES = [resolve(REPO_ROOT, '../shared/reference/lago-openapi.yaml'), '/work/shared/reference/lago-openapi.yaml'];

/** Lago's spec, or an error naming where it was looked for (the test fails, it never skips). */
export function loadLagoSpec(): Json {
  const found = SPEC_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`Lago's OpenAPI description is not found: looked in ${SPEC_CANDIDATES.join(' and ')}`);
  return parse(readFileSync(found, 'utf8')) as Json;
}

/** A property of a request body: its path (`charges.*.min_amount_cents`) and what the spec says of it. */
export interface SpecField {
  path: string;
  /** JSON types (`integer`, `string`, `null`…), from every variant of the schema. */
  types: string[];
  enum: unknown[];
  examples: unknown[];
  /** Whether the spec describes properties or items inside it. */
  container: boolean;
  /** The property's schema (first variant), to build values from. */
  schema: Json;
}

function deref(spec: Json, node: Json | undefined): Json | undefined {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops += 1) {
    const parts = (current.$ref as string).replace(/^#\//, '').split('/');
    current = parts.reduce<Json | undefined>((at, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return current;
}

/** Every variant of a schema (allOf/oneOf/anyOf flattened), dereferenced. */
function variants(spec: Json, node: Json | undefined, depth = 0): Json[] {
  const schema = deref(spec, node);
  if (!schema || depth > 10) return [];
  const nested = ['allOf', 'oneOf', 'anyOf'].flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as Json[]).flatMap((sub) => variants(spec, sub, depth + 1)) : []));
  return [schema, ...nested];
}

/** A value of the schema built from the spec: its example, else its first enum value, else one of its type (objects and lists filled). */
export function exampleValue(spec: Json, node: Json | undefined, depth = 0): unknown {
  const all = variants(spec, node);
  const example = all.map((v) => v.example).find((v) => v !== undefined && v !== null);
  if (example !== undefined) return example;
  const enumValue = all.flatMap((v) => (Array.isArray(v.enum) ? v.enum : [])).find((v) => v !== null);
  if (enumValue !== undefined) return enumValue;
  const properties = Object.assign({}, ...all.map((v) => v.properties ?? {})) as Json;
  const items = all.find((v) => v.items)?.items as Json | undefined;
  const type = all.flatMap((v) => [v.type].flat()).find((t) => typeof t === 'string' && t !== 'null')
    ?? (Object.keys(properties).length > 0 ? 'object' : items ? 'array' : 'string');
  if (depth > 6) return type === 'object' ? {} : type === 'array' ? [] : 'x';
  switch (type) {
    case 'object':
      return Object.keys(properties).length > 0
        ? Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, exampleValue(spec, child as Json, depth + 1)]))
        : { key: 'value' };
    case 'array': return [exampleValue(spec, items, depth + 1)];
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    default: return 'x';
  }
}

/** Every property path of a request body schema, objects and array items walked recursively. */
export function bodyFields(spec: Json, schema: Json): SpecField[] {
  const fields = new Map<string, SpecField>();
  const walk = (node: Json | undefined, prefix: string, depth: number) => {
    if (depth > 12) return;
    for (const variant of variants(spec, node)) {
      for (const [name, child] of Object.entries((variant.properties ?? {}) as Json)) {
        const path = prefix ? `${prefix}.${name}` : name;
        const childVariants = variants(spec, child as Json);
        const field = fields.get(path) ?? { path, types: [], enum: [], examples: [], container: false, schema: childVariants[0] ?? {} };
        for (const v of childVariants) {
          for (const type of [v.type].flat()) if (typeof type === 'string' && !field.types.includes(type)) field.types.push(type);
          if (Array.isArray(v.enum)) for (const value of v.enum) if (!field.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) field.enum.push(value);
          if (v.example !== undefined) field.examples.push(v.example);
          if (Array.isArray(v.examples)) field.examples.push(...v.examples);
          if (v.default !== undefined) field.examples.push(v.default);
          if (v.properties || (v.items && variants(spec, v.items).some((item) => item.properties))) field.container = true;
        }
        fields.set(path, field);
        walk(child as Json, path, depth + 1);
        for (const v of childVariants) if (v.items) walk(v.items, `${path}.*`, depth + 1);
      }
    }
  };
  walk(schema, '', 0);
  return [...fields.values()];
}

/** Lago's path for an Express path (`/api/v1/plans/:code` → `/plans/{code}`), matching parameters by position. */
export function lagoPathOf(spec: Json, expressPath: string): string | undefined {
  if (!expressPath.startsWith('/api/v1/')) return undefined;
  const segments = expressPath.slice('/api/v1'.length).split('/');
  return Object.keys(spec.paths as Json).find((candidate) => {
    const parts = candidate.split('/');
    return parts.length === segments.length && parts.every((part, i) => {
      const billowParam = segments[i]!.startsWith(':');
      const lagoParam = /^\{.+\}$/.test(part);
      return billowParam === lagoParam && (billowParam || part === segments[i]);
    });
  });
}

/** An operation Billow serves whose request body Lago's spec describes. */
export interface CheckedOperation {
  key: string;
  op: Operation;
  lagoPath: string;
  contract: RequestContract | undefined;
  /** Fields inside the envelope root (or of the whole body without one). */
  fields: SpecField[];
  /** Fields Lago sends beside the root (`authorization`). */
  beside: SpecField[];
  /** The paths of Lago's success answer, inside its root (`{"plan": {...}}` → `charges.*.code`). */
  answerPaths: Set<string>;
}

export function checkedOperations(spec: Json): CheckedOperation[] {
  const checked: CheckedOperation[] = [];
  for (const op of OPERATIONS) {
    const lagoPath = lagoPathOf(spec, op.path);
    const lagoOp = lagoPath ? (spec.paths[lagoPath] as Json)[op.method] as Json | undefined : undefined;
    const requestBody = deref(spec, lagoOp?.requestBody);
    const schema = requestBody?.content?.['application/json']?.schema as Json | undefined;
    if (!lagoPath || !schema) continue;
    const all = bodyFields(spec, schema);
    const root = op.body?.root;
    const inside = root ? all.filter((f) => f.path.startsWith(`${root}.`)).map((f) => ({ ...f, path: f.path.slice(root.length + 1) })) : all;
    const beside = root ? all.filter((f) => f.path !== root && !f.path.startsWith(`${root}.`) && !f.path.includes('.')) : [];
    const success = deref(spec, (lagoOp!.responses as Json | undefined)?.['200']);
    const answerSchema = success?.content?.['application/json']?.schema as Json | undefined;
    const answer = answerSchema ? bodyFields(spec, answerSchema) : [];
    const answerRoot = answer.find((f) => !f.path.includes('.') && f.container && op.response.root && f.path === op.response.root)?.path;
    const answerPaths = new Set(answer
      .filter((f) => !answerRoot || f.path.startsWith(`${answerRoot}.`))
      .map((f) => (answerRoot ? f.path.slice(answerRoot.length + 1) : f.path))
      .map((path) => (answerRoot && path.startsWith('*.') ? path.slice(2) : path)));
    checked.push({
      key: `${op.method.toUpperCase()} ${op.path.replace(/^\/api\/v1/, '')}`,
      op,
      lagoPath,
      contract: op.body ? contractOf(op.body.schema) : undefined,
      fields: inside,
      beside,
      answerPaths,
    });
  }
  return checked;
}

// Classification ---------------------------------------------------------------------------------

const ancestors = (path: string) => path.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'));

export type Classification =
  | { kind: 'honoured'; how: string; alsoRefused?: Refusal }
  | { kind: 'refused'; refusal: Refusal; declaredAt: string }
  | { kind: 'container' }
  | { kind: 'unclassified' };

/** How the contract classifies a field of Lago's spec. */
export function classify(contract: RequestContract, field: SpecField, fields: readonly SpecField[]): Classification {
  const refusedAncestor = ancestors(field.path).find((path) => contract.refused[path]);
  if (refusedAncestor) return { kind: 'refused', refusal: contract.refused[refusedAncestor]!, declaredAt: refusedAncestor };
  const honoured = contract.honoured[field.path];
  const refusal = contract.refused[field.path];
  if (honoured !== undefined) return { kind: 'honoured', how: honoured, ...(refusal ? { alsoRefused: refusal } : {}) };
  if (refusal) return { kind: 'refused', refusal, declaredAt: field.path };
  const children = fields.filter((f) => f.path.startsWith(`${field.path}.`) && f.path.split('.').length === field.path.split('.').length + (f.path.startsWith(`${field.path}.*.`) ? 2 : 1));
  if (field.container && children.length > 0 && children.every((child) => classify(contract, child, fields).kind !== 'unclassified')) return { kind: 'container' };
  return { kind: 'unclassified' };
}

export interface ContractCounts {
  operations: number;
  fields: number;
  honoured: number;
  refused: number;
  /** Of the refused: Lago's 403 feature_unavailable. */
  forbidden: number;
  /** Honoured fields with some values refused (e.g. charge_model "dynamic"). */
  partlyRefused: number;
  /** Declarations in the contracts: refusing an object counts once. */
  declaredHonoured: number;
  declaredRefused: number;
}

/**
 * Every property path of the spec counts once, except an object or list whose fields are classified
 * one by one (a refused object counts itself and each field inside it).
 */
export function contractCounts(spec: Json): ContractCounts {
  const counts: ContractCounts = { operations: 0, fields: 0, honoured: 0, refused: 0, forbidden: 0, partlyRefused: 0, declaredHonoured: 0, declaredRefused: 0 };
  for (const checked of checkedOperations(spec)) {
    counts.operations += 1;
    if (!checked.contract) continue;
    const contract = checked.contract;
    counts.declaredHonoured += Object.keys(contract.honoured).length;
    counts.declaredRefused += Object.keys(contract.refused).length + Object.keys(contract.beside ?? {}).length;
    const leaves = [...checked.fields, ...checked.beside.map((f) => ({ ...f, beside: true }))];
    for (const field of leaves) {
      const isBeside = 'beside' in field;
      const c = isBeside
        ? (contract.beside?.[field.path] ? { kind: 'refused' as const, refusal: contract.beside[field.path]!, declaredAt: field.path } : { kind: 'unclassified' as const })
        : classify(contract, field, checked.fields);
      if (c.kind === 'container') continue;
      counts.fields += 1;
      if (c.kind === 'honoured') {
        counts.honoured += 1;
        if (c.alsoRefused) counts.partlyRefused += 1;
      } else if (c.kind === 'refused') {
        counts.refused += 1;
        if (c.refusal.forbidden) counts.forbidden += 1;
      }
    }
  }
  return counts;
}
