/**
 * The OpenAPI document and the /docs page: every route the app mounts is described (read from
 * the Express router stack, so a new route without a registry entry fails here), the document is
 * valid OpenAPI 3.1 (structural checks, then @seriousme/openapi-schema-validator in a child
 * process since it is ESM-only), both are served without an API key, and /docs lists every path.
 * Every answer has a full schema, and the answers a tour of every operation gets (the tour of
 * test/api/contract-responses.test.ts: successes and mistakes) each have a documented status and
 * match its schema (ajv).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../src/api/app';
import type { AppContext } from '../../src/api/context';
import { buildOpenApiDocument, mountedRoutes, openApiPath, operationsFor, OPERATIONS } from '../../src/api/openapi';
import type { SandboxClock } from '../../src/runtime/clock';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { responseSchemaOf } from '../../src/api/openapi';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { operationOf, runContractTour, type Exchange } from '../support/contract-tour';
import { distinctViolations, ResponseContract, type Violation } from '../support/response-contract';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function appWith(sandbox: boolean): Express {
  const unused = () => {
    throw new Error('not used by these tests');
  };
  const ctx = {
    db: unused as unknown as AppContext['db'],
    workflows: {} as AppContext['workflows'],
    clock: { now: async () => Date.now() },
    publicUrl: 'http://billow.test',
    ...(sandbox ? { sandbox: { now: async () => Date.now() } as unknown as SandboxClock } : {}),
  } satisfies AppContext;
  return buildApp(ctx);
}

const key = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

describe('the operation registry', () => {
  it.each([false, true])('lists exactly the routes the app mounts (sandbox: %s)', (sandbox) => {
    const mounted = mountedRoutes(appWith(sandbox) as unknown as Parameters<typeof mountedRoutes>[0]).map(key).sort();
    const registered = operationsFor({ sandbox }).map(key).sort();
    expect(new Set(mounted).size).toBe(mounted.length);
    expect(mounted.filter((route) => !registered.includes(route))).toEqual([]); // routes the document misses
    expect(registered.filter((route) => !mounted.includes(route))).toEqual([]); // entries with no route
  });

  it('has one entry per method and path', () => {
    const keys = OPERATIONS.map(key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument({ publicUrl: 'http://billow.test', sandbox: true }) as Json;

  function resolveRef(ref: string): unknown {
    expect(ref.startsWith('#/')).toBe(true);
    return ref.slice(2).split('/').reduce<Json | undefined>((node, part) => node?.[part], document);
  }

  it('is structurally OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.servers).toEqual([{ url: 'http://billow.test/api/v1' }]);
    expect(document.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    const operationIds = new Set<string>();
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
      expect(template.startsWith('/')).toBe(true);
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'servers') continue;
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(operationIds.has(operation.operationId)).toBe(false);
        operationIds.add(operation.operationId);
        expect(operation.responses['200']).toBeDefined();
        // Every {param} of the template is a required path parameter, and no other.
        const inPath = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const declared = (operation.parameters ?? []).filter((p: Json) => p.in === 'path');
        expect(declared.map((p: Json) => p.name).sort()).toEqual(inPath);
        for (const parameter of declared) expect(parameter.required).toBe(true);
        if (operation.security === undefined) expect(operation.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
      }
    }
    // Every $ref points somewhere.
    const refs: string[] = [];
    JSON.stringify(document, (name, value) => {
      if (name === '$ref') refs.push(value as string);
      return value;
    });
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) expect(resolveRef(ref)).toBeDefined();
  });

  it("describes errors in Lago's shapes", () => {
    const schemas = document.components.schemas;
    expect(schemas.ApiErrorNotFound.required).toEqual(['status', 'error', 'code']);
    expect(schemas.ApiErrorUnprocessableEntity.properties.code).toEqual({ type: 'string', const: 'validation_errors' });
    expect(schemas.ApiErrorUnauthorized.properties.error).toEqual({ type: 'string', const: 'Unauthorized' });
    expect(document.paths['/plans/{code}'].get.responses['404'].content['application/json'].example)
      .toEqual({ status: 404, error: 'Not Found', code: 'plan_not_found' });
    expect(document.paths['/plans'].post.responses['422']).toEqual({ $ref: '#/components/responses/UnprocessableEntity' });
  });

  it('takes request bodies from the zod schemas the routes validate with', () => {
    const plan = document.paths['/plans'].post.requestBody.content['application/json'].schema;
    expect(plan.required).toEqual(['plan']);
    expect(plan.properties.plan.required).toEqual(expect.arrayContaining(['name', 'code', 'interval', 'amount_cents', 'amount_currency', 'pay_in_advance']));
    expect(plan.properties.plan.properties.interval.enum).toEqual(['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly']);
    expect(plan.properties.plan.properties.charges).toBeDefined();
    const metric = document.paths['/billable_metrics'].post.requestBody.content['application/json'].schema.properties.billable_metric;
    expect(metric.properties.aggregation_type.enum).toEqual(expect.arrayContaining(['count_agg', 'unique_count_agg', 'recurring_count_agg']));
    const batch = document.paths['/events/batch'].post.requestBody.content['application/json'].schema;
    expect(batch.properties.events.maxItems).toBe(100);
    // Every POST/PUT with a body documents 400, 413 and 422.
    for (const op of OPERATIONS.filter((o) => o.body)) {
      const responses = document.paths[openApiPath(op.path)][op.method].responses;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '400', '413', '422']));
    }
  });

  it('passes @seriousme/openapi-schema-validator (OpenAPI 3.1 JSON schema)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'billow-openapi-'));
    try {
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js', { paths: [process.cwd()] });
      const validate = (doc: unknown) => {
        const file = path.join(dir, 'openapi.json');
        writeFileSync(file, JSON.stringify(doc));
        try {
          return JSON.parse(execFileSync(process.execPath, [cli, file], { encoding: 'utf8' })) as { valid: boolean; errors?: unknown };
        } catch (error) {
          return JSON.parse((error as { stdout: string }).stdout) as { valid: boolean; errors?: unknown };
        }
      };
      expect(validate(document)).toEqual({ valid: true });
      // The validator does reject a broken document (so the line above means something).
      expect(validate({ ...document, info: { version: '1' } }).valid).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the sandbox routes out unless they are mounted', () => {
    const plain = buildOpenApiDocument({}) as Json;
    expect(plain.paths['/sandbox/clock']).toBeUndefined();
    expect(plain.servers).toEqual([{ url: '/api/v1' }]);
    expect(document.paths['/sandbox/clock/advance'].post.description).toContain('--sandbox');
  });
});

describe('serving it', () => {
  const app = appWith(false);

  it('serves /api/v1/openapi.json without an API key', async () => {
    const response = await request(app).get('/api/v1/openapi.json').expect(200).expect('Content-Type', /application\/json/);
    expect(response.body).toEqual(buildOpenApiDocument({ publicUrl: 'http://billow.test' }));
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('still asks for a key everywhere else under /api/v1', async () => {
    expect((await request(app).get('/api/v1/plans')).body).toEqual({ status: 401, error: 'Unauthorized' });
    expect((await request(app).get('/api/v1/openapi.yaml')).status).toBe(401);
  });

  it('renders /docs: a self-contained page listing every operation', async () => {
    const response = await request(app).get('/docs').expect(200).expect('Content-Type', /text\/html/);
    const html = response.text;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!billow\.test)[^"<\s]*\.(js|css)/); // nothing fetched from elsewhere
    const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const op of operationsFor({})) {
      expect(html).toContain(`<span class="m ${op.method}">${op.method}</span>${escaped(openApiPath(op.path))}<span`);
    }
    expect(html).toContain('plan_not_found');
    expect(html).toContain('&quot;pay_in_advance&quot;'); // the plan body's JSON schema
    // Each answer's schema, its objects linked to their own section.
    expect(html).toContain('<a href="#schema-Plan">#/components/schemas/Plan</a>');
    expect(html).toContain('<details id="schema-Wallet"><summary>Wallet</summary>');
    expect(html).toContain('&quot;balance_cents&quot;');
  });
});

describe('the answers it describes', () => {
  const TASK_QUEUE = 'openapi-answers';
  const document = buildOpenApiDocument({ publicUrl: 'http://billow.test', sandbox: true }) as Json;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let stopWorker: () => Promise<void>;
  let exchanges: Exchange[];
  let billow: ResponseContract;

  beforeAll(async () => {
    billow = new ResponseContract(document, "Billow's OpenAPI document");
    env = await createTimeSkippingEnv();
    database = await createTestDatabase();
    stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
    exchanges = await runContractTour({ db: database.db, env, taskQueue: TASK_QUEUE });
  });

  afterAll(async () => {
    await stopWorker?.();
    await env?.teardown();
    await database?.drop();
  });

  it('gives every JSON answer a full schema: no bare object', () => {
    const json = OPERATIONS.filter((op) => !op.response.contentType || op.response.contentType === 'application/json');
    expect(json.filter((op) => !responseSchemaOf(op)).map(key)).toEqual([]);
    // The success body of a list: its items and meta, each a component, closed to other keys.
    expect(document.paths['/plans'].get.responses['200'].content['application/json'].schema).toEqual({
      type: 'object',
      properties: { plans: { type: 'array', items: { $ref: '#/components/schemas/Plan' } }, meta: { $ref: '#/components/schemas/PaginationMeta' } },
      required: ['plans', 'meta'],
      additionalProperties: false,
    });
    const plan = document.components.schemas.Plan;
    expect(plan.additionalProperties).toBe(false);
    expect(plan.properties.charges).toEqual({ type: 'array', items: { $ref: '#/components/schemas/Charge' } });
    expect(plan.required).toEqual(expect.arrayContaining(['lago_id', 'code', 'amount_cents', 'charges', 'taxes']));
    expect(document.components.schemas.Wallet.properties.balance_cents).toEqual({ type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) });
  });

  it('documents 400 (a NUL in the URL) and 401 on every route but the public ones, 413 on every POST, PUT and PATCH', () => {
    for (const op of operationsFor({ sandbox: true })) {
      const statuses = Object.keys(document.paths[openApiPath(op.path)][op.method].responses);
      if (op.public) {
        expect({ op: key(op), statuses }).toEqual({ op: key(op), statuses: ['200'] });
        continue;
      }
      expect({ op: key(op), statuses }).toEqual({ op: key(op), statuses: expect.arrayContaining(['200', '400', '401', ...(op.method === 'post' || op.method === 'put' || op.method === 'patch' ? ['413'] : [])]) });
      if (op.path.includes('/:')) expect({ op: key(op), statuses }).toEqual({ op: key(op), statuses: expect.arrayContaining(['404']) });
    }
  });

  it('is answered with success by every operation (the sandbox routes aside)', () => {
    const succeeded = new Set(exchanges.filter((e) => e.status === 200).map((e) => operationOf(e)));
    expect(operationsFor({}).filter((op) => !succeeded.has(op)).map(key)).toEqual([]);
  });

  it('describes every answer the tour got: a documented status, a body that matches its schema', () => {
    const violations: Violation[] = [];
    for (const exchange of exchanges) {
      const op = operationOf(exchange);
      if (!op) {
        violations.push({ operation: `${exchange.method.toUpperCase()} ${exchange.url.slice(0, 80)}`, status: exchange.status, where: 'operation', problem: 'no operation of the registry serves this URL' });
        continue;
      }
      violations.push(...billow.check(op, exchange));
    }
    expect(exchanges.length).toBeGreaterThan(300);
    expect([...new Set(exchanges.map((e) => e.status))].sort()).toEqual([200, 400, 401, 403, 404, 405, 413, 422]);
    expect(distinctViolations(violations)).toEqual([]);
  });

  it('describes the 503 of the deletions that wait for workflows (customers and plans), which no longer answer 405', () => {
    // The body src/api/errors.ts renders for services/subscriptions/deletions.ts's refusal (test/api/customers.test.ts and plans.test.ts get it).
    const body = { status: 503, error: 'Service Unavailable', code: 'subscriptions_still_active', message: 'Some subscriptions could not be ended now; retry the request.' };
    for (const [path, url] of [['/api/v1/customers/:externalId', '/api/v1/customers/acme'], ['/api/v1/plans/:code', '/api/v1/plans/scale']] as const) {
      const op = OPERATIONS.find((o) => o.method === 'delete' && o.path === path)!;
      expect(billow.check(op, { method: 'delete', url, status: 503, contentType: 'application/json; charset=utf-8', body })).toEqual([]);
      expect(billow.check(op, { method: 'delete', url, status: 503, contentType: 'application/json; charset=utf-8', body: { ...body, code: 7 } })).not.toEqual([]);
      expect(Object.keys(document.paths[openApiPath(path)].delete.responses)).not.toContain('405');
    }
  });

  it('would catch an answer that drifts from its schema', () => {
    const op = OPERATIONS.find((o) => o.method === 'get' && o.path === '/api/v1/wallets/:id')!;
    const answer = exchanges.find((e) => e.status === 200 && operationOf(e) === op)!;
    const wallet = (answer.body as Json).wallet;
    const drifted = { ...answer, body: { wallet: { ...wallet, balance_cents: String(wallet.balance_cents), surprise: true } } };
    expect(distinctViolations(billow.check(op, drifted))).toEqual([
      'GET /wallets/{id} 200 /wallet/balance_cents: must be integer, got "' + String(wallet.balance_cents) + '"',
      'GET /wallets/{id} 200 /wallet/surprise: not in the schema',
    ]);
    expect(billow.check(op, { ...answer, status: 418 })).toEqual([expect.objectContaining({ where: 'status' })]);
  });
});
