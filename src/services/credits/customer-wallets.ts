/**
 * A customer's wallets addressed by their code (Lago's `/customers/:external_id/wallets[/:code]`),
 * beside `/wallets/:id`: the same use cases (wallets.ts), reached through the customer.
 * - The customer comes from the path (`customer_not_found` when unknown or another organization's);
 *   a body naming another `external_customer_id` is refused (422), never silently redirected.
 * - Without a `code`, one is made as Lago does: the name in lower case with `_` between words, else
 *   `default`, and `_<unix seconds>` appended when an active wallet of the customer has it already.
 * - A code names the customer's active wallet with it, else the most recently terminated one;
 *   `wallet_not_found` otherwise.
 * Metadata of wallets and credit notes (Lago's `/metadata` routes) lives here too.
 */
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { findCustomerByExternalId, type CustomerRow } from '../../db/customers';
import { activeWalletCodeTaken, findCustomerWalletByCode } from '../../db/customer-wallets';
import { findWallet, type WalletRow, type WalletTransactionRow } from '../../db/wallets';
import { findCreditNote } from '../../db/credit-notes';
import { changeMetadata, type MetadataChange, type MetadataOutcome, type MetadataValue } from '../../db/metadata';
import { invalidField, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import {
  createWallet, listWallets, showWallet, terminateWallet, updateWallet,
  type CreateWalletInput, type CustomerWallet, type UpdateWalletInput, type WalletReading,
} from './wallets';
import { listCreditNotes } from './credit-notes';
import type { PresentedCreditNote } from './credit-note-presenter';

export type { MetadataChange, MetadataValue };

/** `POST /customers/:external_id/wallets`: the customer is the path's; `metadata` is the wallet's own. */
export type CreateCustomerWalletInput = Omit<CreateWalletInput, 'external_customer_id'> & {
  external_customer_id?: string | null;
  metadata?: Record<string, string | null> | null;
};

/** `PUT /customers/:external_id/wallets/:code`: `metadata` replaces the wallet's (null clears it). */
export type UpdateCustomerWalletInput = UpdateWalletInput & { metadata?: Record<string, string | null> | null };

/** Sets the wallet's metadata as the request asks (absent: unchanged). */
async function withMetadata(
  db: Db, organizationId: string, wallet: CustomerWallet, metadata: Record<string, string | null> | null | undefined, nowMs: number,
): Promise<CustomerWallet> {
  if (metadata === undefined) return wallet;
  await changeWalletMetadata(db, organizationId, wallet.wallet.id, metadata === null ? { kind: 'clear' } : { kind: 'replace', value: metadata });
  return showWallet(db, organizationId, wallet.wallet.id, { nowMs });
}

async function customerOf(db: Db, organizationId: string, externalId: string): Promise<CustomerRow> {
  const customer = await findCustomerByExternalId(db, organizationId, externalId);
  if (!customer) throw notFound('customer');
  return customer;
}

async function walletByCode(db: Db, organizationId: string, externalCustomerId: string, code: string): Promise<WalletRow> {
  const customer = await customerOf(db, organizationId, externalCustomerId);
  const wallet = await findCustomerWalletByCode(db, organizationId, customer.id, code);
  if (!wallet) throw notFound('wallet');
  return wallet;
}

/** Lago's generated code: the name as a lower-case identifier, else `default`; suffixed when taken. */
export function walletCodeFromName(name: string | null | undefined): string {
  const words = (name ?? '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return words.slice(0, 200) || 'default';
}

export async function createCustomerWallet(
  db: Db, organization: OrganizationRow, externalCustomerId: string, input: CreateCustomerWalletInput, nowMs: number,
): Promise<CustomerWallet & { transactions: WalletTransactionRow[] }> {
  const customer = await customerOf(db, organization.id, externalCustomerId);
  if (input.external_customer_id !== undefined && input.external_customer_id !== null && input.external_customer_id !== externalCustomerId) {
    throw invalidField('external_customer_id', 'value_is_invalid');
  }
  let code = input.code ?? null;
  if (code === null) {
    code = walletCodeFromName(input.name);
    if (await activeWalletCodeTaken(db, customer.id, code)) code = `${code}_${Math.floor(nowMs / 1000)}`;
  }
  const { metadata, ...wallet } = input;
  const created = await createWallet(db, organization, { ...wallet, external_customer_id: externalCustomerId, code }, nowMs);
  return { ...(await withMetadata(db, organization.id, created, metadata, nowMs)), transactions: created.transactions };
}

export async function showCustomerWallet(db: Db, organizationId: string, externalCustomerId: string, code: string, reading: WalletReading): Promise<CustomerWallet> {
  return showWallet(db, organizationId, (await walletByCode(db, organizationId, externalCustomerId, code)).id, reading);
}

export async function updateCustomerWallet(
  db: Db, organizationId: string, externalCustomerId: string, code: string, input: UpdateCustomerWalletInput, nowMs: number,
): Promise<CustomerWallet> {
  const { metadata, ...changes } = input;
  const updated = await updateWallet(db, organizationId, (await walletByCode(db, organizationId, externalCustomerId, code)).id, changes, nowMs);
  return withMetadata(db, organizationId, updated, metadata, nowMs);
}

export async function terminateCustomerWallet(db: Db, organizationId: string, externalCustomerId: string, code: string, nowMs: number): Promise<CustomerWallet> {
  return terminateWallet(db, organizationId, (await walletByCode(db, organizationId, externalCustomerId, code)).id, nowMs);
}

/** `GET /customers/:external_id/wallets`: 404 for an unknown customer. */
export async function listCustomerWallets(db: Db, organizationId: string, externalCustomerId: string, page: Page, reading: WalletReading): Promise<Paginated<CustomerWallet>> {
  return listWallets(db, organizationId, { externalCustomerId }, page, reading);
}

/** `GET /customers/:external_id/credit_notes`: 404 for an unknown customer. */
export async function listCustomerCreditNotes(db: Db, organization: OrganizationRow, externalCustomerId: string, page: Page): Promise<Paginated<PresentedCreditNote>> {
  await customerOf(db, organization.id, externalCustomerId);
  return listCreditNotes(db, organization, { externalCustomerId }, page);
}

// Metadata ------------------------------------------------------------------------------------

function metadataOf(outcome: MetadataOutcome): MetadataValue | null {
  if (outcome.ok) return outcome.metadata;
  if (outcome.reason === 'no_metadata') throw notFound('metadata');
  throw invalidField('metadata', 'value_is_out_of_range');
}

/** `/wallets/:id/metadata`. */
export async function changeWalletMetadata(db: Db, organizationId: string, walletId: string, change: MetadataChange): Promise<MetadataValue | null> {
  return db.transaction(async (trx) => {
    const wallet = await findWallet(trx, organizationId, walletId);
    if (!wallet) throw notFound('wallet');
    return metadataOf(await changeMetadata(trx, 'wallets', organizationId, wallet.id, change));
  });
}

/** `/customers/:external_id/wallets/:code/metadata`. */
export async function changeCustomerWalletMetadata(
  db: Db, organizationId: string, externalCustomerId: string, code: string, change: MetadataChange,
): Promise<MetadataValue | null> {
  const wallet = await walletByCode(db, organizationId, externalCustomerId, code);
  return changeWalletMetadata(db, organizationId, wallet.id, change);
}

/** `/credit_notes/:id/metadata`. */
export async function changeCreditNoteMetadata(db: Db, organizationId: string, creditNoteId: string, change: MetadataChange): Promise<MetadataValue | null> {
  return db.transaction(async (trx) => {
    const creditNote = await findCreditNote(trx, organizationId, creditNoteId);
    if (!creditNote) throw notFound('credit_note');
    return metadataOf(await changeMetadata(trx, 'credit_notes', organizationId, creditNote.id, change));
  });
}
