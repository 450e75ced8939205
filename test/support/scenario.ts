/** Small helpers for workflow scenarios driven through the HTTP API on the time-skipping server. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startedWorkflowIds, type createTestApi } from './api';

export type ScenarioApi = Awaited<ReturnType<typeof createTestApi>>;

export interface InvoiceLine {
  item: string;
  from: string | null;
  to: string | null;
  units: string;
  amount: number;
}

export interface InvoiceSummary {
  number: string;
  sequentialId: number;
  issuingDate: string;
  reason: string | null;
  total: number;
  taxes: number;
  lines: InvoiceLine[];
}

interface WireFee {
  item: { type: string; code: string };
  from_date: string | null;
  to_date: string | null;
  units: string;
  amount_cents: number;
}

/** The customer's invoices, oldest first, reduced to what a hand-worked table states. */
export async function invoiceTable(api: ScenarioApi, customer: string): Promise<InvoiceSummary[]> {
  const response = await api.get(`/invoices?external_customer_id=${encodeURIComponent(customer)}&per_page=1000`).expect(200);
  return (response.body.invoices as Record<string, unknown>[])
    .map((invoice) => ({
      number: invoice.number as string,
      sequentialId: invoice.sequential_id as number,
      issuingDate: invoice.issuing_date as string,
      reason: ((invoice.billing_periods as { invoicing_reason: string }[])[0]?.invoicing_reason ?? null) as string | null,
      total: invoice.total_amount_cents as number,
      taxes: invoice.taxes_amount_cents as number,
      lines: (invoice.fees as WireFee[]).map((fee) => ({
        item: `${fee.item.type}:${fee.item.code}`,
        from: fee.from_date?.slice(0, 10) ?? null,
        to: fee.to_date?.slice(0, 10) ?? null,
        units: fee.units,
        amount: fee.amount_cents,
      })),
    }))
    .sort((a, b) => a.sequentialId - b.sequentialId);
}

export async function createPlan(api: ScenarioApi, plan: Record<string, unknown>): Promise<void> {
  const response = await api.post('/plans', { plan });
  if (response.status !== 200) throw new Error(`plan ${String(plan.code)}: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function subscribe(api: ScenarioApi, subscription: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await api.post('/subscriptions', { subscription });
  if (response.status !== 200) throw new Error(`subscription: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.subscription as Record<string, unknown>;
}

const stepChecks: (() => Promise<void>)[] = [];

/** A check run after every step of a scenario (each move of the clock), e.g. the billing invariants. */
export function afterEveryStep(check: () => Promise<void>): void {
  stepChecks.push(check);
}

async function stepDone(): Promise<void> {
  for (const check of stepChecks) await check();
}

/** Sleeps the test clock until an absolute instant, then runs the step checks. */
export async function sleepUntil(env: TestWorkflowEnvironment, iso: string): Promise<void> {
  const target = Date.parse(iso);
  const now = await env.currentTimeMs();
  if (target <= now) throw new Error(`The test clock is at ${new Date(now).toISOString()}, past ${iso}.`);
  await env.sleep(target - now);
  await stepDone();
}

/**
 * "Now" read by a request soon after `sleepUntil(env, iso)` (`iso` on a whole minute): the test
 * server's clock runs on in real time between advances, so it is `iso` plus the seconds the requests
 * took (a second or more on a loaded machine). Matches an API timestamp within that minute.
 */
export function soonAfter(iso: string): unknown {
  if (!/T\d{2}:\d{2}:00Z$/.test(iso)) throw new Error(`soonAfter takes an instant on a whole minute, not ${iso}`);
  return expect.stringMatching(new RegExp(`^${iso.slice(0, -4)}:\\d{2}Z$`));
}

/**
 * Lets the workflows finish what they were asked (an invoice "at once"): the test clock moves one
 * second, then this waits (in real time, the clock held) until no subscription workflow the test's
 * APIs started has a workflow task or an activity in flight. The second alone was a race on a busy
 * machine: a workflow whose first task had not scheduled its activity yet let the clock move on.
 */
export async function settle(env: TestWorkflowEnvironment): Promise<void> {
  await env.sleep(1000);
  await untilIdle(env);
  await stepDone();
}

const IDLE_DEADLINE_MS = 30_000;

async function untilIdle(env: TestWorkflowEnvironment): Promise<void> {
  const deadline = Date.now() + IDLE_DEADLINE_MS;
  for (;;) {
    let busy = false;
    for (const id of startedWorkflowIds) {
      try {
        const { status, raw } = await env.client.workflow.getHandle(id).describe();
        if (status.name === 'RUNNING' && ((raw.pendingActivities?.length ?? 0) > 0 || raw.pendingWorkflowTask)) busy = true;
      } catch {
        // Another file's workflow, or one that never started: nothing to wait for.
      }
    }
    // Past the deadline (an activity left to retry, a worker stopped on purpose), as before: the caller's assertions tell.
    if (!busy || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
