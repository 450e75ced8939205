import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { notFound, validationErrors } from '../errors';
import { parseEnvelope } from '../validation';
import { pageFrom, paginate } from '../pagination';
import { createWalletSchema, updateWalletSchema, walletTransactionSchema } from '../schemas/money';
import { serializeWallet, serializeWalletTransaction } from '../../serializers/wallet';
import { createWallet, createWalletTransactions, getWallet, listWallets, terminateWallet, updateWallet } from '../../services/credits/wallets';
import { findCustomerByExternalId } from '../../db/customers';
import { findWallet, isUuid, walletsOf, walletTransactionsOf, type WalletRow, type WalletTransactionRow } from '../../db/wallets';
import type { Db } from '../../db/knex';

async function externalIds(db: Db, organizationId: string, wallets: WalletRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(wallets.map((w) => w.customer_id))];
  if (ids.length === 0) return new Map();
  const rows = (await db('customers').where({ organization_id: organizationId }).whereIn('id', ids).select('id', 'external_id')) as { id: string; external_id: string }[];
  return new Map(rows.map((row) => [row.id, row.external_id]));
}

async function present(db: Db, organizationId: string, wallet: WalletRow) {
  return serializeWallet(wallet, (await externalIds(db, organizationId, [wallet])).get(wallet.customer_id)!);
}

const TRANSACTION_FILTERS = {
  status: ['pending', 'settled', 'failed'],
  transaction_type: ['inbound', 'outbound'],
  transaction_status: ['purchased', 'granted', 'voided', 'invoiced'],
} as const;

export function walletsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet', createWalletSchema);
    const { wallet } = await createWallet(db, organization, input, await clock.now());
    res.json({ wallet: await present(db, organization.id, wallet) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet', updateWalletSchema);
    const wallet = await updateWallet(db, organization.id, String(req.params.id), input, await clock.now());
    res.json({ wallet: await present(db, organization.id, wallet) });
  }));
  router.get('/:id/wallet_transactions', handle(async (req, res) => {
    const organization = organizationOf(req);
    const wallet = await getWallet(db, organization.id, String(req.params.id));
    let query = walletTransactionsOf(db, organization.id).where({ wallet_id: wallet.id })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    const errors: Record<string, string[]> = {};
    for (const [field, allowed] of Object.entries(TRANSACTION_FILTERS)) {
      const value = req.query[field];
      if (value === undefined || value === '') continue;
      if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) errors[field] = ['value_is_invalid'];
      else query = query.where({ [field]: value });
    }
    if (Object.keys(errors).length > 0) throw validationErrors(errors);
    const { rows, meta } = await paginate<WalletTransactionRow>(query, pageFrom(req.query));
    res.json({ wallet_transactions: rows.map((row) => serializeWalletTransaction(row, wallet.currency)), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ wallet: await present(db, organization.id, await getWallet(db, organization.id, String(req.params.id))) });
  }));
  router.delete('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const wallet = await terminateWallet(db, organization.id, String(req.params.id), await clock.now());
    res.json({ wallet: await present(db, organization.id, wallet) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    let customerId: string | undefined;
    if (req.query.external_customer_id !== undefined) {
      const customer = await findCustomerByExternalId(db, organization.id, String(req.query.external_customer_id));
      if (!customer) throw notFound('customer');
      customerId = customer.id;
    }
    const { rows, meta } = await paginate<WalletRow>(listWallets(db, organization.id, customerId), pageFrom(req.query));
    const ids = await externalIds(db, organization.id, rows);
    res.json({ wallets: rows.map((wallet) => serializeWallet(wallet, ids.get(wallet.customer_id)!)), meta });
  }));
  return router;
}

export function walletTransactionsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet_transaction', walletTransactionSchema);
    const transactions = await createWalletTransactions(db, organization, input, await clock.now());
    const wallet = (await findWallet(db, organization.id, input.wallet_id))!;
    res.json({ wallet_transactions: transactions.map((t) => serializeWalletTransaction(t, wallet.currency)) });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const id = String(req.params.id);
    const transaction = isUuid(id) ? await walletTransactionsOf(db, organization.id).where({ id }).first() : undefined;
    if (!transaction) throw notFound('wallet_transaction');
    const wallet = (await walletsOf(db, organization.id).where({ id: transaction.wallet_id }).first())!;
    res.json({ wallet_transaction: serializeWalletTransaction(transaction, wallet.currency) });
  }));
  return router;
}
