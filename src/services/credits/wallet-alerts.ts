/**
 * Wallet alerts (Lago's `/customers/:external_id/wallets/:code/alerts`, the `wallet_*` alert types,
 * direction `decreasing`): their CRUD, and their evaluation wherever a wallet's threshold top-up is
 * checked (wallet-checks.ts: after each batch of events of the customer, after a wallet
 * transaction, after an alert is created or updated), under the wallet's row lock, with the
 * ongoing balance read once under that lock for both.
 *
 * Values (Lago's `find_value`): `wallet_balance_amount` the balance in cents,
 * `wallet_credits_balance` the balance in credits, `wallet_ongoing_balance_amount` the ongoing
 * balance in cents (ongoing-balances.ts: net of what progressive invoices billed already),
 * `wallet_credits_ongoing_balance` in credits. Thresholds are in the same unit.
 *
 * When it fires (Lago's `ProcessAlertService` with `find_thresholds_crossed_decreasing`): a
 * threshold fires when an evaluation reads a value at or below it while the previous evaluation
 * read a value above it (billing/wallet-alert-thresholds.ts). The alert's previous value starts at
 * the value when the alert is created (a wallet already below a threshold does not fire for it,
 * as Lago), so a threshold fires once per fall, not once per event while the balance stays below,
 * and again only after an evaluation has seen the balance back above it (a top-up, a paid purchase).
 *
 * Exactly once: evaluations of a wallet hold its row lock, then its alerts' (in id order), and read
 * the value under them; the triggered alert is unique per (alert, evaluation count read under the
 * lock). The triggered alert, the alert's new previous value and the `alert.triggered` webhook
 * (outbox) commit together.
 *
 * Validation is Lago's (the subscription alerts' codes): `thresholds` required
 * (`value_is_mandatory`), at most 20 (`too_many_thresholds`), no two with the same value and
 * recurrence (`duplicate_threshold_values`), one recurring at most (`multiple_recurring_thresholds`),
 * a recurring value above 0 (`thresholds.<i>.value: recurring_value_is_negative`); one live alert per
 * code (`code: value_already_exist`) and per type (`base: alert_already_exists`) on a wallet.
 */
import type { Db, Tx } from '../../db/knex';
import { Dec, type Cents } from '../../billing/money';
import { crossedThresholdsFalling } from '../../billing/wallet-alert-thresholds';
import { findCustomerById, findCustomerByExternalId } from '../../db/customers';
import { findCustomerWalletByCode } from '../../db/customer-wallets';
import { isUniqueViolation } from '../../db/errors';
import { findWallet, type WalletRow } from '../../db/wallets';
import {
  alertsOfWallet, findWalletAlertByCode, insertWalletAlert, insertWalletTriggeredAlert, listWalletAlerts, lockWalletAlerts, markWalletAlertProcessed,
  replaceWalletAlertThresholds, softDeleteWalletAlerts, updateWalletAlert, walletAlertThresholdsOf,
  type WalletAlertRow, type WalletAlertThresholdRow, type WalletAlertType, type WalletThresholdFields,
} from '../../db/wallet-alerts';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { serializeWalletTriggeredAlert, type WalletAlertView } from '../../serializers/wallet-alert';
import { invalidField, notFound, Problems, validationErrors, type FieldErrors } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { ongoingBalanceOf, ongoingUsageByWallet } from './ongoing-balances';

export type { WalletAlertType };

export interface WalletAlertThresholdInput {
  code?: string | null;
  /** A non-negative decimal, at most 5 decimals (the schema checked it). */
  value: string;
  recurring?: boolean | null;
}

export interface CreateWalletAlertInput {
  alert_type: WalletAlertType;
  code: string;
  name?: string | null;
  thresholds?: WalletAlertThresholdInput[] | null;
}

export interface UpdateWalletAlertInput {
  code?: string;
  name?: string | null;
  thresholds?: WalletAlertThresholdInput[] | null;
}

/** The wallet the routes address: the customer's (by external id) with that code (its active one, else the last terminated). */
export interface WalletRef {
  organizationId: string;
  externalCustomerId: string;
  walletCode: string;
}

export const MAX_WALLET_ALERT_THRESHOLDS = 20;

async function walletOf(db: Db | Tx, ref: WalletRef): Promise<WalletRow> {
  const customer = await findCustomerByExternalId(db, ref.organizationId, ref.externalCustomerId);
  if (!customer) throw notFound('customer');
  const wallet = await findCustomerWalletByCode(db, ref.organizationId, customer.id, ref.walletCode);
  if (!wallet) throw notFound('wallet');
  return wallet;
}

function thresholdProblems(thresholds: readonly WalletAlertThresholdInput[] | null | undefined, problems: Problems): void {
  if (!thresholds || thresholds.length === 0) {
    problems.add('thresholds', 'value_is_mandatory');
    return;
  }
  if (thresholds.length > MAX_WALLET_ALERT_THRESHOLDS) problems.add('thresholds', 'too_many_thresholds');
  const keys = thresholds.map((t) => `${t.recurring === true}:${new Dec(t.value).toFixed()}`);
  if (new Set(keys).size !== keys.length) problems.add('thresholds', 'duplicate_threshold_values');
  if (thresholds.filter((t) => t.recurring === true).length > 1) problems.add('thresholds', 'multiple_recurring_thresholds');
  thresholds.forEach((t, index) => {
    if (t.recurring === true && !new Dec(t.value).gt(0)) problems.add(`thresholds.${index}.value`, 'recurring_value_is_negative');
  });
}

const thresholdFields = (thresholds: readonly WalletAlertThresholdInput[]): WalletThresholdFields[] =>
  thresholds.map((t) => ({ code: t.code ?? null, value: new Dec(t.value).toFixed(), recurring: t.recurring === true }));

function duplicateAlert(error: unknown): FieldErrors | null {
  if (isUniqueViolation(error, 'wallet_alerts_code')) return { code: ['value_already_exist'] };
  if (isUniqueViolation(error, 'wallet_alerts_type')) return { base: ['alert_already_exists'] };
  return null;
}

async function views(db: Db | Tx, wallet: WalletRow, alerts: readonly WalletAlertRow[]): Promise<WalletAlertView[]> {
  const thresholds = await walletAlertThresholdsOf(db, alerts.map((alert) => alert.id));
  return alerts.map((alert) => ({ alert, thresholds: thresholds.get(alert.id) ?? [], walletCode: wallet.code }));
}

/** The alert's value for the wallet (locked) whose ongoing usage is `ongoingUsageCents`. */
export function walletAlertValue(type: WalletAlertType, wallet: WalletRow, ongoingUsageCents: Cents): Dec {
  switch (type) {
    case 'wallet_balance_amount':
      return new Dec(wallet.balance_cents.toString());
    case 'wallet_credits_balance':
      return new Dec(wallet.credits_balance);
    case 'wallet_ongoing_balance_amount':
      return new Dec(ongoingBalanceOf(wallet, ongoingUsageCents).ongoingBalanceCents.toString());
    case 'wallet_credits_ongoing_balance':
      return ongoingBalanceOf(wallet, ongoingUsageCents).ongoingBalanceCredits;
  }
}

/** What of the customer's ongoing usage the wallet pays now (0 for a wallet that pays nothing: terminated, expired). */
async function ongoingUsageOf(db: Db, wallet: WalletRow, nowMs: number): Promise<Cents> {
  if (wallet.status !== 'active') return 0n;
  return (await ongoingUsageByWallet(db, wallet.organization_id, wallet.customer_id, { nowMs })).get(wallet.id) ?? 0n;
}

/** Checks and writes one alert on the locked wallet; its previous value is the value now (Lago). */
async function writeAlert(trx: Tx, db: Db, wallet: WalletRow, input: CreateWalletAlertInput, nowMs: number, usage: { cents?: Cents }): Promise<WalletAlertRow | FieldErrors> {
  const problems = new Problems();
  thresholdProblems(input.thresholds, problems);
  if (!problems.isEmpty) return problems.details;
  if (input.alert_type.includes('ongoing') && usage.cents === undefined) usage.cents = await ongoingUsageOf(db, wallet, nowMs);
  const value = walletAlertValue(input.alert_type, wallet, usage.cents ?? 0n);
  try {
    // A savepoint: a duplicate leaves the batch's transaction usable to report it.
    return await trx.transaction(async (inner) => {
      const alert = await insertWalletAlert(inner, wallet.organization_id, {
        wallet_id: wallet.id, alert_type: input.alert_type, code: input.code, name: input.name ?? null, previous_value: value.toFixed(),
      });
      await replaceWalletAlertThresholds(inner, alert.id, thresholdFields(input.thresholds!));
      return alert;
    });
  } catch (error) {
    const duplicate = duplicateAlert(error);
    if (duplicate) return duplicate;
    throw error;
  }
}

/** Creates the alerts under the wallet's lock (its value read as of now); problems keyed by index for a batch. */
async function createOnWallet(db: Db, ref: WalletRef, inputs: readonly CreateWalletAlertInput[], batch: boolean, nowMs: number): Promise<WalletAlertView[]> {
  return db.transaction(async (trx) => {
    const found = await walletOf(trx, ref);
    const wallet = (await findWallet(trx, ref.organizationId, found.id, { forUpdate: true }))!;
    const created: WalletAlertRow[] = [];
    const problems: Record<string, FieldErrors> = {};
    const usage: { cents?: Cents } = {};
    for (const [index, input] of inputs.entries()) {
      const written = await writeAlert(trx, db, wallet, input, nowMs, usage);
      if ('id' in written) created.push(written as WalletAlertRow);
      else if (batch) problems[String(index)] = written as FieldErrors;
      else throw validationErrors(written as FieldErrors);
    }
    if (Object.keys(problems).length > 0) throw validationErrors(problems);
    return views(trx, wallet, created);
  });
}

export async function createWalletAlert(db: Db, ref: WalletRef, input: CreateWalletAlertInput, nowMs: number): Promise<WalletAlertView> {
  return (await createOnWallet(db, ref, [input], false, nowMs))[0]!;
}

/** Lago's batch: all or none; problems keyed by the alert's index (`{"1": {"code": ["value_already_exist"]}}`). */
export async function createWalletAlerts(db: Db, ref: WalletRef, inputs: readonly CreateWalletAlertInput[], nowMs: number): Promise<WalletAlertView[]> {
  if (inputs.length === 0) throw invalidField('alerts', 'no_alerts');
  return createOnWallet(db, ref, inputs, true, nowMs);
}

export async function listWalletAlertsOf(db: Db, ref: WalletRef, page: Page): Promise<Paginated<WalletAlertView>> {
  const wallet = await walletOf(db, ref);
  const { rows, meta } = await listWalletAlerts(db, ref.organizationId, wallet.id, page);
  return { rows: await views(db, wallet, rows), meta };
}

async function alertOf(db: Db | Tx, ref: WalletRef, code: string): Promise<{ wallet: WalletRow; alert: WalletAlertRow }> {
  const wallet = await walletOf(db, ref);
  const alert = await findWalletAlertByCode(db, ref.organizationId, wallet.id, code);
  if (!alert) throw notFound('alert');
  return { wallet, alert };
}

export async function getWalletAlert(db: Db, ref: WalletRef, code: string): Promise<WalletAlertView> {
  const { wallet, alert } = await alertOf(db, ref, code);
  return (await views(db, wallet, [alert]))[0]!;
}

/**
 * Lago's update: `name` and `code` when given, the thresholds replaced when given; the previous
 * value is kept, and the wallet's alerts are evaluated after (wallet-checks.ts), as Lago.
 */
export async function updateWalletAlertByCode(db: Db, ref: WalletRef, code: string, input: UpdateWalletAlertInput): Promise<{ view: WalletAlertView; wallet: WalletRow }> {
  return db.transaction(async (trx) => {
    const found = await walletOf(trx, ref);
    const wallet = (await findWallet(trx, ref.organizationId, found.id, { forUpdate: true }))!;
    const alert = await findWalletAlertByCode(trx, ref.organizationId, wallet.id, code);
    if (!alert) throw notFound('alert');
    const problems = new Problems();
    if (input.thresholds !== undefined && input.thresholds !== null) thresholdProblems(input.thresholds, problems);
    if (!problems.isEmpty) throw validationErrors(problems.details);
    const fields: Parameters<typeof updateWalletAlert>[2] = {};
    if (input.code !== undefined) fields.code = input.code;
    if (input.name !== undefined) fields.name = input.name;
    try {
      await trx.transaction(async (inner) => {
        if (Object.keys(fields).length > 0) await updateWalletAlert(inner, alert.id, fields);
        if (input.thresholds) await replaceWalletAlertThresholds(inner, alert.id, thresholdFields(input.thresholds));
      });
    } catch (error) {
      const duplicate = duplicateAlert(error);
      if (duplicate) throw validationErrors(duplicate);
      throw error;
    }
    const updated = (await findWalletAlertByCode(trx, ref.organizationId, wallet.id, fields.code ?? alert.code))!;
    return { view: (await views(trx, wallet, [updated]))[0]!, wallet };
  });
}

/** Deletes the alert (kept, marked deleted, for the alerts it triggered); answers it as it was. */
export async function deleteWalletAlertByCode(db: Db, ref: WalletRef, code: string, nowMs: number): Promise<WalletAlertView> {
  return db.transaction(async (trx) => {
    const found = await walletOf(trx, ref);
    const wallet = (await findWallet(trx, ref.organizationId, found.id, { forUpdate: true }))!;
    const alert = await findWalletAlertByCode(trx, ref.organizationId, wallet.id, code);
    if (!alert) throw notFound('alert');
    const [view] = await views(trx, wallet, [alert]);
    await softDeleteWalletAlerts(trx, [alert.id], nowMs);
    return view!;
  });
}

/** Deletes every alert of the wallet. */
export async function deleteWalletAlerts(db: Db, ref: WalletRef, nowMs: number): Promise<void> {
  await db.transaction(async (trx) => {
    const found = await walletOf(trx, ref);
    await findWallet(trx, ref.organizationId, found.id, { forUpdate: true });
    const alerts = await alertsOfWallet(trx, ref.organizationId, found.id);
    await softDeleteWalletAlerts(trx, alerts.map((alert) => alert.id), nowMs);
  });
}

// Evaluation ------------------------------------------------------------------------------------

async function evaluateAlert(
  trx: Tx, wallet: WalletRow, externalCustomerId: string, alert: WalletAlertRow, thresholds: readonly WalletAlertThresholdRow[], value: Dec, nowMs: number,
): Promise<string | null> {
  const previous = new Dec(alert.previous_value);
  const crossed = crossedThresholdsFalling(thresholds.map((t) => ({ code: t.code, value: new Dec(t.value), recurring: t.recurring })), previous, value);
  let triggeredId: string | null = null;
  if (crossed.length > 0) {
    const triggered = await insertWalletTriggeredAlert(trx, {
      organization_id: alert.organization_id,
      wallet_alert_id: alert.id,
      wallet_id: wallet.id,
      evaluation: alert.evaluations,
      current_value: value.toFixed(),
      previous_value: previous.toFixed(),
      crossed_thresholds: crossed.map((c) => ({ code: c.code, value: c.value.toFixed(), recurring: c.recurring })),
      triggered_at: new Date(nowMs),
    });
    await recordWebhookEvent(trx, {
      organizationId: alert.organization_id,
      webhookType: 'alert.triggered',
      objectType: 'triggered_alert',
      object: serializeWalletTriggeredAlert({ triggered, alert, walletCode: wallet.code, externalCustomerId }),
      idempotencyKey: `alert.triggered:${triggered.id}`,
    });
    triggeredId = triggered.id;
  }
  await markWalletAlertProcessed(trx, alert.id, { previousValue: value.toFixed(), processedAtMs: nowMs });
  return triggeredId;
}

/**
 * Evaluates the alerts of a wallet the caller holds locked (`wallet` as read under the lock), its
 * ongoing usage read under that lock. Returns the ids of the triggered alerts recorded.
 */
export async function evaluateLockedWalletAlerts(trx: Tx, wallet: WalletRow, ongoingUsageCents: Cents, nowMs: number): Promise<string[]> {
  const alerts = await lockWalletAlerts(trx, wallet.organization_id, wallet.id);
  if (alerts.length === 0) return [];
  const customer = await findCustomerById(trx, wallet.customer_id);
  const thresholds = await walletAlertThresholdsOf(trx, alerts.map((alert) => alert.id));
  const triggered: string[] = [];
  for (const alert of alerts) {
    const id = await evaluateAlert(trx, wallet, customer!.external_id, alert, thresholds.get(alert.id) ?? [], walletAlertValue(alert.alert_type, wallet, ongoingUsageCents), nowMs);
    if (id) triggered.push(id);
  }
  return triggered;
}
