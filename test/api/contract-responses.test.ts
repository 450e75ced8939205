/**
 * Every answer in Lago's shape: the answers a tour of every operation gets (test/support/contract-tour.ts)
 * are validated against the response schema Lago's OpenAPI description gives that operation and
 * status (ajv, every `$ref` resolved): required fields present, types right, enums in range. Lago's
 * description is read from ../shared/reference beside the repository; without it this test fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { operationsFor, openApiPath } from '../../src/api/openapi';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { operationOf, runContractTour, type Exchange } from '../support/contract-tour';
import { distinctViolations, loadLagoSpec, ResponseContract, type Violation } from '../support/response-contract';
import { applyErrata, LAGO_RESPONSE_ERRATA } from '../support/lago-response-errata';

const TASK_QUEUE = 'contract-responses';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stopWorker: () => Promise<void>;
let exchanges: Exchange[];
let lago: ResponseContract;
let staleErrata: string[];

beforeAll(async () => {
  const { spec, stale } = applyErrata(loadLagoSpec(), LAGO_RESPONSE_ERRATA);
  staleErrata = stale;
  lago = new ResponseContract(spec, "Lago's OpenAPI description");
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

/** The operations Billow serves that Lago's description also has. */
const shared = () => operationsFor({}).filter((op) => lago.has(op));

test('Billow serves operations of Lago\'s description, and the tour calls each with success', () => {
  const served = shared();
  expect(served.length).toBeGreaterThanOrEqual(71);
  const succeeded = new Set(exchanges.filter((e) => e.status === 200).map((e) => operationOf(e)).filter(Boolean));
  const missed = served.filter((op) => !succeeded.has(op)).map((op) => `${op.method.toUpperCase()} ${openApiPath(op.path)}`);
  expect(missed).toEqual([]);
});

test('every erratum still changes Lago\'s description, and docs/lago-compatibility.md lists it', () => {
  expect(staleErrata).toEqual([]);
  const doc = readFileSync(path.resolve(__dirname, '../../docs/lago-compatibility.md'), 'utf8');
  const responses = doc.slice(doc.indexOf('## Responses'));
  expect(doc).toContain('## Responses');
  const unlisted = [...new Set(LAGO_RESPONSE_ERRATA.map((erratum) => erratum.why.split(':')[0]!))].filter((subject) => !responses.includes(subject));
  expect(unlisted).toEqual([]);
});

test("every successful answer matches Lago's response schema for its operation", () => {
  const violations: Violation[] = [];
  let checked = 0;
  for (const exchange of exchanges) {
    const op = operationOf(exchange);
    if (!op || !lago.has(op) || exchange.status !== 200) continue;
    checked++;
    violations.push(...lago.check(op, exchange));
  }
  expect(checked).toBeGreaterThan(100);
  expect(distinctViolations(violations)).toEqual([]);
});

test("every error answer matches Lago's schema for its status, where Lago's description lists that status", () => {
  const violations: Violation[] = [];
  let checked = 0;
  for (const exchange of exchanges) {
    const op = operationOf(exchange);
    if (!op || !lago.has(op) || exchange.status === 200 || !lago.statuses(op).includes(String(exchange.status))) continue;
    checked++;
    violations.push(...lago.check(op, exchange));
  }
  expect(checked).toBeGreaterThan(100);
  expect(distinctViolations(violations)).toEqual([]);
});
