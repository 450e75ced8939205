/**
 * Wallets of prepaid credits (reference/lago-api.md §1.8): creating, updating, terminating and
 * showing them. Credits move through wallet-transactions.ts; invoices draw on them through
 * invoicing (services/invoicing/credit-draws.ts).
 */
import type { Conn, Db } from '../../db/knex';
import type { Dec } from '../../billing/money';
import { findCustomerByExternalId } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import {
  findWallet, insertWallet, updateWallet as updateWalletRow, walletsPage,
  type WalletRow, type WalletTransactionRow,
} from '../../db/wallets';
import { findBillableMetricsByCodes } from '../../db/billable-metrics';
import { terminateWalletRules } from '../../db/wallet-rules';
import { isUniqueViolation } from '../../db/errors';
import { invalidField, notFound, validationErrors } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { applyMovements, type WalletMetadataItem } from './wallet-transactions';
import { presentWallet, presentWallets, type CustomerWallet, type WalletReading } from './ongoing-balances';
import { setRecurringRules, type RecurringRuleInput } from './recurring-top-ups';

export type { CustomerWallet, WalletReading };

/** Lago's `applies_to`: absent or empty lists mean every fee. */
export interface WalletAppliesToInput {
  fee_types?: string[] | null;
  billable_metric_codes?: string[] | null;
}

/** What a wallet may pay for and the limits of one paid top-up (create and update alike). */
interface WalletLimitsInput {
  applies_to?: WalletAppliesToInput | null;
  paid_top_up_min_amount_cents?: bigint | null;
  paid_top_up_max_amount_cents?: bigint | null;
}

export interface CreateWalletInput {
  external_customer_id: string;
  rate_amount: Dec;
  currency: string;
  name?: string | null;
  code?: string | null;
  priority?: number | null;
  paid_credits?: Dec | null;
  granted_credits?: Dec | null;
  expiration_at?: Date | null;
  transaction_name?: string | null;
  transaction_metadata?: WalletMetadataItem[] | null;
  /** Descriptive: stored, shown, and the default of the wallet's transactions. */
  purchase_order_number?: string | null;
  metadata?: Record<string, string | null> | null;
  applies_to?: WalletAppliesToInput | null;
  paid_top_up_min_amount_cents?: bigint | null;
  paid_top_up_max_amount_cents?: bigint | null;
  /** The wallet's first paid credits are not held to its top-up limits. */
  ignore_paid_top_up_limits_on_creation?: boolean | null;
  /** At most one rule (recurring-top-ups.ts). */
  recurring_transaction_rules?: RecurringRuleInput[] | null;
  /** Lago's setting: the default of the wallet's transactions and rules (paid credits are granted once their invoice is paid). */
  invoice_requires_successful_payment?: boolean | null;
}

export interface UpdateWalletInput {
  name?: string | null;
  code?: string | null;
  priority?: number | null;
  expiration_at?: Date | null;
  purchase_order_number?: string | null;
  /** Replaces the wallet's metadata; null clears it. */
  metadata?: Record<string, string | null> | null;
  /** Replaces what the wallet pays for (a list left out is unchanged; null or [] clears it). */
  applies_to?: WalletAppliesToInput | null;
  paid_top_up_min_amount_cents?: bigint | null;
  paid_top_up_max_amount_cents?: bigint | null;
  /** Replaces the wallet's rule (null or []: terminates it); absent, unchanged. */
  recurring_transaction_rules?: RecurringRuleInput[] | null;
  invoice_requires_successful_payment?: boolean | null;
}

const DEFAULT_PRIORITY = 50;

function checkExpiration(expirationAt: Date | null | undefined, nowMs: number): void {
  if (expirationAt && expirationAt.getTime() <= nowMs) throw invalidField('expiration_at', 'invalid_date');
}

/** The columns of `applies_to` and the top-up limits the input sets (only those it gives), validated. */
async function limitColumns(db: Conn, organizationId: string, input: WalletLimitsInput, current?: WalletRow): Promise<Partial<WalletRow>> {
  const fields: Partial<WalletRow> = {};
  if (input.applies_to !== undefined) {
    const feeTypes = input.applies_to?.fee_types;
    const codes = input.applies_to?.billable_metric_codes;
    if (input.applies_to === null || feeTypes !== undefined) fields.applies_to_fee_types = [...new Set(feeTypes ?? [])];
    if (input.applies_to === null || codes !== undefined) {
      const wanted = [...new Set(codes ?? [])];
      const metrics = wanted.length === 0 ? [] : await findBillableMetricsByCodes(db, organizationId, wanted);
      // Lago: ValidateLimitationsService, every code must name one of the organization's metrics.
      if (metrics.length !== wanted.length) throw invalidField('applies_to', 'invalid_limitations');
      const idOf = new Map(metrics.map((metric) => [metric.code, metric.id]));
      fields.applies_to_billable_metric_ids = wanted.map((code) => idOf.get(code)!);
    }
  }
  if (input.paid_top_up_min_amount_cents !== undefined) fields.paid_top_up_min_amount_cents = input.paid_top_up_min_amount_cents;
  if (input.paid_top_up_max_amount_cents !== undefined) fields.paid_top_up_max_amount_cents = input.paid_top_up_max_amount_cents;
  const min = fields.paid_top_up_min_amount_cents !== undefined ? fields.paid_top_up_min_amount_cents : current?.paid_top_up_min_amount_cents ?? null;
  const max = fields.paid_top_up_max_amount_cents !== undefined ? fields.paid_top_up_max_amount_cents : current?.paid_top_up_max_amount_cents ?? null;
  const errors: Record<string, string[]> = {};
  if (min !== null && min <= 0n) errors.paid_top_up_min_amount_cents = ['value_is_out_of_range'];
  if (max !== null && max <= 0n) errors.paid_top_up_max_amount_cents = ['value_is_out_of_range'];
  else if (min !== null && max !== null && max < min) errors.paid_top_up_max_amount_cents = ['must_be_greater_than_or_equal_min'];
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return fields;
}

/** A code already used by another active wallet of the organization is refused. */
async function refusingDuplicateCode<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, 'wallets_active_code')) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

export async function createWallet(
  db: Db, organization: OrganizationRow, input: CreateWalletInput, nowMs: number,
): Promise<CustomerWallet & { transactions: WalletTransactionRow[] }> {
  const customer = await findCustomerByExternalId(db, organization.id, input.external_customer_id);
  if (!customer) throw notFound('customer');
  if (customer.currency && customer.currency !== input.currency) throw invalidField('currency', 'currencies_does_not_match');
  checkExpiration(input.expiration_at, nowMs);
  if (input.rate_amount.lte(0)) throw invalidField('rate_amount', 'value_is_invalid');
  const limits = await limitColumns(db, organization.id, input);
  const created = await refusingDuplicateCode(() => db.transaction(async (trx) => {
    const created = await insertWallet(trx, {
      organization_id: organization.id,
      customer_id: customer.id,
      name: input.name ?? null,
      code: input.code ?? null,
      currency: input.currency,
      rate_amount: input.rate_amount.toFixed(),
      priority: input.priority ?? DEFAULT_PRIORITY,
      expiration_at: input.expiration_at ?? null,
      purchase_order_number: input.purchase_order_number ?? null,
      metadata: input.metadata ?? null,
      invoice_requires_successful_payment: input.invoice_requires_successful_payment ?? false,
      ...limits,
    });
    const transactions = await applyMovements(trx, organization, customer, created, {
      paid: input.paid_credits ?? undefined,
      granted: input.granted_credits ?? undefined,
      name: input.transaction_name ?? null,
      metadata: input.transaction_metadata ?? [],
      purchaseOrderNumber: created.purchase_order_number,
      ignoreTopUpLimits: input.ignore_paid_top_up_limits_on_creation === true,
    }, nowMs);
    await setRecurringRules(trx, created, input.recurring_transaction_rules, nowMs);
    const wallet = (await findWallet(trx, organization.id, created.id))!;
    return { wallet, transactions };
  }));
  return { ...(await presentWallet(db, organization.id, created.wallet, { nowMs })), transactions: created.transactions };
}

async function getWallet(db: Conn, organizationId: string, id: string): Promise<WalletRow> {
  const wallet = await findWallet(db, organizationId, id);
  if (!wallet) throw notFound('wallet');
  return wallet;
}

export async function showWallet(db: Db, organizationId: string, id: string, reading: WalletReading): Promise<CustomerWallet> {
  return presentWallet(db, organizationId, await getWallet(db, organizationId, id), reading);
}

export async function updateWallet(db: Db, organizationId: string, id: string, input: UpdateWalletInput, nowMs: number): Promise<CustomerWallet> {
  const wallet = await getWallet(db, organizationId, id);
  if (input.expiration_at !== undefined) checkExpiration(input.expiration_at, nowMs);
  const fields: Partial<WalletRow> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.code !== undefined) fields.code = input.code;
  if (input.priority !== undefined) fields.priority = input.priority ?? DEFAULT_PRIORITY;
  if (input.expiration_at !== undefined) fields.expiration_at = input.expiration_at;
  if (input.purchase_order_number !== undefined) fields.purchase_order_number = input.purchase_order_number;
  if (input.metadata !== undefined) fields.metadata = input.metadata;
  if (input.invoice_requires_successful_payment != null) fields.invoice_requires_successful_payment = input.invoice_requires_successful_payment;
  Object.assign(fields, await limitColumns(db, organizationId, input, wallet));
  if (Object.keys(fields).length === 0 && input.recurring_transaction_rules === undefined) return presentWallet(db, organizationId, wallet, { nowMs });
  const updated = await refusingDuplicateCode(() => db.transaction(async (trx) => {
    const row = Object.keys(fields).length === 0 ? wallet : await updateWalletRow(trx, organizationId, wallet.id, fields);
    await setRecurringRules(trx, row, input.recurring_transaction_rules, nowMs);
    return row;
  }));
  return presentWallet(db, organizationId, updated, { nowMs });
}

/** Terminates the wallet: it keeps its balance for the record but is never drawn on again. Idempotent. */
export async function terminateWallet(db: Db, organizationId: string, id: string, nowMs: number): Promise<CustomerWallet> {
  const wallet = await getWallet(db, organizationId, id);
  if (wallet.status === 'terminated') return presentWallet(db, organizationId, wallet, { nowMs });
  const terminated = await db.transaction(async (trx) => {
    // Its recurring rule ends with it (Lago's Wallets::TerminateService).
    await terminateWalletRules(trx, organizationId, wallet.id, new Date(nowMs));
    return updateWalletRow(trx, organizationId, wallet.id, { status: 'terminated', terminated_at: new Date(nowMs) });
  });
  return presentWallet(db, organizationId, terminated, { nowMs });
}

/** The organization's wallets, newest first; only the customer's when an external id is given (404 if unknown). */
export async function listWallets(db: Db, organizationId: string, filters: { externalCustomerId?: string }, page: Page, reading: WalletReading): Promise<Paginated<CustomerWallet>> {
  let customerId: string | undefined;
  if (filters.externalCustomerId !== undefined) {
    const customer = await findCustomerByExternalId(db, organizationId, filters.externalCustomerId);
    if (!customer) throw notFound('customer');
    customerId = customer.id;
  }
  const { rows, meta } = await walletsPage(db, organizationId, { customerId }, page);
  return { rows: await presentWallets(db, organizationId, rows, reading), meta };
}
