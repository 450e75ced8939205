/**
 * Checking recorded answers against an OpenAPI 3.1 document with a JSON-schema validator (ajv 8,
 * draft 2020-12, with ajv-formats): Lago's own description (`lago-openapi.yaml`, read from
 * `../shared/reference/` beside the repository, else `/work/shared/reference/`) or Billow's
 * (`buildOpenApiDocument`). Every `$ref` is resolved by ajv inside the document it belongs to.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { openApiPath, type Operation } from '../../src/api/openapi';
import type { Exchange } from './contract-tour';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPOSITORY = path.resolve(__dirname, '../..');
export const LAGO_SPEC_CANDIDATES = [
  path.resolve(REPOSITORY, '../shared/reference/lago-openapi.yaml'),
  '/work/shared/reference/lago-openapi.yaml',
];

/** Lago's OpenAPI description; throws (so the test fails, never skips) when it cannot be found. */
export function loadLagoSpec(): Json {
  const file = LAGO_SPEC_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`Lago's OpenAPI description is not in ${LAGO_SPEC_CANDIDATES.join(' nor ')}`);
  return normalizeLagoSpec(parse(readFileSync(file, 'utf8')) as Json);
}

/**
 * Lago's document is OpenAPI 3.1, where `nullable` means nothing, but three `$ref`s to `Country`
 * still carry the 3.0 `nullable: true`: a billing country Lago answers as null when unknown.
 * Read as Lago means it (`anyOf: [$ref, null]`), in a copy.
 */
function normalizeLagoSpec(spec: Json): Json {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const copy: Json = {};
    for (const [key, value] of Object.entries(node)) copy[key] = walk(value);
    if (copy.nullable === true && typeof copy.$ref === 'string') {
      const { $ref, nullable: _nullable, ...rest } = copy;
      return { ...rest, anyOf: [{ $ref }, { type: 'null' }] };
    }
    return copy;
  };
  return walk(spec) as Json;
}

/** A path template without its parameter names (`/wallets/{}`), to pair Billow's routes with Lago's. */
export const templateKey = (method: string, template: string) => `${method.toLowerCase()} ${template.replace(/\{[^}]+\}/g, '{}')}`;

/** One answer that does not match its schema, or a status the document does not list. */
export interface Violation {
  operation: string;
  status: number;
  /** Where in the body (`/wallet/balance_cents`, list indices as `[]`), or `status`. */
  where: string;
  problem: string;
}

export const formatViolation = (v: Violation) => `${v.operation} ${v.status} ${v.where}: ${v.problem}`;

function describeError(error: ErrorObject, body: unknown): { where: string; problem: string } {
  const where = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/[]') || '/';
  const params = error.params as Json;
  switch (error.keyword) {
    case 'required': return { where: `${where === '/' ? '' : where}/${String(params.missingProperty)}`, problem: 'required, missing' };
    case 'additionalProperties': return { where: `${where === '/' ? '' : where}/${String(params.additionalProperty)}`, problem: 'not in the schema' };
    case 'enum': return { where, problem: `${shown(valueAt(body, error.instancePath))} is not one of ${JSON.stringify(params.allowedValues)}` };
    case 'type': return { where, problem: `${error.message ?? 'wrong type'}, got ${shown(valueAt(body, error.instancePath))}` };
    default: return { where, problem: error.message ?? error.keyword };
  }
}

/** A validator of answers against one OpenAPI document (each schema compiled once). */
export class ResponseContract {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly operations = new Map<string, { path: string; method: string }>();

  constructor(private readonly document: Json, readonly name: string) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    // Formats Lago's document names that are no standard format: nothing to check.
    for (const format of ['object', '^[0-9]+.?[0-9]*$', 'int32', 'int64', 'float', 'double']) {
      if (!this.ajv.formats[format]) this.ajv.addFormat(format, true);
    }
    this.ajv.addSchema(document, 'document');
    for (const [template, item] of Object.entries(document.paths as Json)) {
      for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
        if ((item as Json)[method]) this.operations.set(templateKey(method, template), { path: template, method });
      }
    }
  }

  /** Whether the document describes this operation (Billow's `/api/v1/wallets/:id` as `/wallets/{…}`). */
  has(op: Pick<Operation, 'method' | 'path'>): boolean {
    return this.operations.has(templateKey(op.method, openApiPath(op.path)));
  }

  /** The statuses the document lists for an operation. */
  statuses(op: Pick<Operation, 'method' | 'path'>): string[] {
    const found = this.operations.get(templateKey(op.method, openApiPath(op.path)));
    if (!found) return [];
    return Object.keys((this.document.paths as Json)[found.path][found.method].responses ?? {});
  }

  /** Every way the answer departs from what the document says of this operation and status. */
  check(op: Pick<Operation, 'method' | 'path'>, exchange: Exchange): Violation[] {
    const operation = `${op.method.toUpperCase()} ${openApiPath(op.path)}`;
    const found = this.operations.get(templateKey(op.method, openApiPath(op.path)));
    if (!found) return [{ operation, status: exchange.status, where: 'operation', problem: `not in ${this.name}` }];
    const pointer = `/paths/${escape(found.path)}/${found.method}/responses`;
    const responses = (this.document.paths as Json)[found.path][found.method].responses as Json;
    const status = String(exchange.status);
    let responsePointer = `${pointer}/${status}`;
    let response = responses[status] as Json | undefined;
    if (!response) {
      return [{ operation, status: exchange.status, where: 'status', problem: `${status} is not documented (documented: ${Object.keys(responses).join(', ')})` }];
    }
    if (typeof response.$ref === 'string') {
      responsePointer = (response.$ref as string).slice(1);
      response = resolvePointer(this.document, responsePointer);
    }
    const content = (response?.content ?? {}) as Json;
    const mediaType = Object.keys(content).find((type) => exchange.contentType.startsWith(type));
    if (!mediaType) {
      const documented = Object.keys(content);
      if (documented.length === 0 && exchange.body === undefined) return [];
      return [{ operation, status: exchange.status, where: 'content-type', problem: `${exchange.contentType} answered; documented: ${documented.join(', ') || 'no body'}` }];
    }
    // A binary answer (a PDF) is checked by its content type only.
    if (!content[mediaType].schema || !(mediaType.startsWith('application/json') || mediaType.startsWith('text/'))) return [];
    const key = `${responsePointer}/content/${escape(mediaType)}/schema`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `document#${key}` });
      this.compiled.set(key, validate);
    }
    const value = mediaType.startsWith('application/json') ? exchange.body : exchange.text;
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => ({ operation, status: exchange.status, ...describeError(error, value) }));
  }
}

function valueAt(body: unknown, instancePath: string): unknown {
  return instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], body);
}

/** A value as a violation names it: short ones as they are, others by their kind (so list items fold into one line). */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string' && value.length > 20) return 'a string';
  return JSON.stringify(value) ?? 'undefined';
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function resolvePointer(document: Json, pointer: string): Json | undefined {
  return pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<Json | undefined>((node, part) => node?.[part], document);
}

/** One line per distinct violation (list indices folded), sorted: the whole list at once. */
export function distinctViolations(violations: Violation[]): string[] {
  return [...new Set(violations.map(formatViolation))].sort();
}
