/** An Express app wired to a test database and a time-skipping Temporal, with a supertest agent. */
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildApp } from '../../src/api/app';
import type { Db } from '../../src/db/knex';
import { temporalSubscriptionWorkflows } from '../../src/workflows/client';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { createTestOrganization } from './database';

/**
 * How long a test's API waits for Temporal to take a start or a signal. The product's 1.5 s answers
 * 503 or leaves the start to the outbox relay, which these tests do not run: on a loaded machine a
 * slow start then never happened. The outage tests (test/e2e/temporal-outage.test.ts) keep 1.5 s.
 */
export const TEST_REACH_TIMEOUT_MS = 30_000;

/** The ids of the subscription workflows this test file's APIs started (`settle` waits for them to be idle). */
export const startedWorkflowIds = new Set<string>();

export async function createTestApi(db: Db, env: TestWorkflowEnvironment, taskQueue: string, name?: string) {
  const { organization, apiKey } = await createTestOrganization(db, name);
  const workflows = temporalSubscriptionWorkflows(env.client, { taskQueue, searchAttributes: false, reachTimeoutMs: TEST_REACH_TIMEOUT_MS });
  const start = workflows.start.bind(workflows);
  workflows.start = async (input) => {
    startedWorkflowIds.add(subscriptionWorkflowId(input.state.organizationId, input.externalId));
    return start(input);
  };
  const app = buildApp({
    db,
    workflows,
    clock: { now: () => env.currentTimeMs() },
    publicUrl: 'http://billow.test',
  });
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    app,
    organization,
    apiKey,
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    put: (path: string, body: unknown) => request(app).put(`/api/v1${path}`).set(auth).send(body as object),
    patch: (path: string, body: unknown) => request(app).patch(`/api/v1${path}`).set(auth).send(body as object),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
  };
}

/** The API without Temporal, for routes that never touch a workflow. */
export async function createPlainTestApi(db: Db, name = 'Billow Test Org', options: { now?: () => number } = {}) {
  const { organization, apiKey } = await createTestOrganization(db, name);
  const unavailable = async () => {
    throw new Error('This test has no Temporal: use createTestApi for routes that start or signal workflows.');
  };
  const app = buildApp({
    db,
    workflows: { start: unavailable, view: unavailable, terminate: unavailable, changePlan: unavailable, cancelPlanChange: unavailable, edit: unavailable, notifyUsage: async () => {} },
    clock: { now: async () => (options.now ?? Date.now)() },
    publicUrl: 'http://billow.test',
  });
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    app,
    organization,
    apiKey,
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    put: (path: string, body: unknown) => request(app).put(`/api/v1${path}`).set(auth).send(body as object),
    patch: (path: string, body: unknown) => request(app).patch(`/api/v1${path}`).set(auth).send(body as object),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
  };
}
