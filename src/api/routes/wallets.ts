import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { createWalletSchema, updateWalletSchema, walletTransactionSchema } from '../schemas/money';
import { serializeWallet, serializeWalletTransaction, serializeWalletTransactionConsumption } from '../../serializers/wallet';
import {
  createWallet, getWalletTransaction, listWalletTransactionConsumptions, moveWalletCredits, listWallets, listWalletTransactions, showWallet, terminateWallet, updateWallet,
  type CustomerWallet,
} from '../../services/credits';
import { createUsageCache } from '../../services/usage';

const present = (shown: CustomerWallet) => serializeWallet(shown);

/** A query value, an empty one counting as absent. */
const given = (value: unknown) => (value === '' ? undefined : value);

export function walletsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  // Ongoing balances read the customers' current usage through one incremental cache per router.
  const usageCache = createUsageCache(db);
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet', createWalletSchema);
    res.json({ wallet: present(await createWallet(db, organization, input, await clock.now())) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet', updateWalletSchema);
    res.json({ wallet: present(await updateWallet(db, organization.id, String(req.params.id), input, await clock.now())) });
  }));
  router.get('/:id/wallet_transactions', handle(async (req, res) => {
    const organization = organizationOf(req);
    const filters = { status: given(req.query.status), transaction_type: given(req.query.transaction_type), transaction_status: given(req.query.transaction_status) };
    const { rows, meta, wallet } = await listWalletTransactions(db, organization.id, String(req.params.id), filters, pageFrom(req.query));
    res.json({ wallet_transactions: rows.map((row) => serializeWalletTransaction(row, wallet)), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ wallet: present(await showWallet(db, organization.id, String(req.params.id), { nowMs: await clock.now(), aggregator: usageCache })) });
  }));
  router.delete('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ wallet: present(await terminateWallet(db, organization.id, String(req.params.id), await clock.now())) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const externalCustomerId = req.query.external_customer_id === undefined ? undefined : String(req.query.external_customer_id);
    const { rows, meta } = await listWallets(db, organization.id, { externalCustomerId }, pageFrom(req.query), { nowMs: await clock.now(), aggregator: usageCache });
    res.json({ wallets: rows.map(present), meta });
  }));
  return router;
}

export function walletTransactionsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'wallet_transaction', walletTransactionSchema);
    const { wallet, transactions } = await moveWalletCredits(db, organization, input, await clock.now());
    res.json({ wallet_transactions: transactions.map((t) => serializeWalletTransaction(t, wallet)) });
  }));
  router.get('/:id/consumptions', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { rows, meta, wallet } = await listWalletTransactionConsumptions(db, organization.id, String(req.params.id), 'consumptions', pageFrom(req.query));
    res.json({ wallet_transaction_consumptions: rows.map((row) => serializeWalletTransactionConsumption(row.consumption, row.transaction, wallet)), meta });
  }));
  router.get('/:id/fundings', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { rows, meta, wallet } = await listWalletTransactionConsumptions(db, organization.id, String(req.params.id), 'fundings', pageFrom(req.query));
    res.json({ wallet_transaction_fundings: rows.map((row) => serializeWalletTransactionConsumption(row.consumption, row.transaction, wallet)), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { wallet, transaction } = await getWalletTransaction(db, organization.id, String(req.params.id));
    res.json({ wallet_transaction: serializeWalletTransaction(transaction, wallet) });
  }));
  return router;
}
