/**
 * What Lago serves under a customer: `/customers/:external_id/{invoices,subscriptions,credit_notes,
 * wallets,past_usage}` and the customer's wallets by code, with their metadata. Each answers
 * `customer_not_found` for an unknown customer (or another organization's).
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { serializeMetadata } from '../../serializers/metadata';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { parseQuery } from '../schemas/query';
import { parseMetadataBody } from '../schemas/metadata';
import {
  createCustomerWalletSchema, updateCustomerWalletSchema, customerCreditNoteQuerySchema, customerInvoiceQuerySchema, customerSubscriptionQuerySchema, customerWalletQuerySchema,
  pastUsageQuerySchema,
} from '../schemas/customer-resources';
import { parseFilters } from './invoices';
import { serializeWallet } from '../../serializers/wallet';
import { serializeCreditNote } from '../../serializers/credit-note';
import { serializePastUsage } from '../../serializers/past-usage';
import { presentSubscription } from '../../services/subscriptions';
import { listCustomerSubscriptions } from '../../services/subscriptions/customer-subscriptions';
import { listCustomerInvoices } from '../../services/invoicing/customer-invoices';
import { pastUsage } from '../../services/invoicing/past-usage';
import { createUsageCache } from '../../services/usage';
import type { CustomerWallet, PresentedCreditNote } from '../../services/credits';
import {
  changeCustomerWalletMetadata, createCustomerWallet, listCustomerCreditNotes, listCustomerWallets, showCustomerWallet, terminateCustomerWallet,
  updateCustomerWallet, type MetadataChange,
} from '../../services/credits/customer-wallets';

const presentWallet = (shown: CustomerWallet) => serializeWallet(shown);
const presentCreditNote = ({ creditNote, context }: PresentedCreditNote) => serializeCreditNote(creditNote, context);

const customerOf = (req: Request) => String(req.params.externalId);

export function customerResourcesRouter({ db, clock, publicUrl }: AppContext): Router {
  const router = Router();
  // Wallets' ongoing balances read the customer's current usage through one incremental cache.
  const usageCache = createUsageCache(db);

  router.get('/:externalId/invoices', handle(async (req, res) => {
    const extra = parseQuery(req.query, customerInvoiceQuerySchema);
    const { externalCustomerId: _fromQuery, ...filters } = parseFilters(req.query);
    const organization = organizationOf(req);
    const page = pageFrom(req.query);
    // No Billow invoice is self-billed or has a lost dispute: `true` on either selects none.
    const none = extra.self_billed === 'true' || extra.payment_dispute_lost === 'true';
    const answer = await listCustomerInvoices(db, organization, customerOf(req), none ? { ...filters, statuses: [] } : filters, page, publicUrl, await clock.now());
    res.json(answer);
  }));

  router.get('/:externalId/subscriptions', handle(async (req, res) => {
    const query = parseQuery(req.query, customerSubscriptionQuerySchema);
    const statuses = query.status ?? query['status[]'] ?? ['active'];
    const { rows, meta } = await listCustomerSubscriptions(db, organizationOf(req).id, customerOf(req), { statuses, planCode: query.plan_code }, pageFrom(req.query));
    const now = await clock.now();
    res.json({ subscriptions: await Promise.all(rows.map((row) => presentSubscription(db, row, now))), meta });
  }));

  router.get('/:externalId/credit_notes', handle(async (req, res) => {
    parseQuery(req.query, customerCreditNoteQuerySchema);
    const { rows, meta } = await listCustomerCreditNotes(db, organizationOf(req), customerOf(req), pageFrom(req.query));
    res.json({ credit_notes: rows.map(presentCreditNote), meta });
  }));

  router.get('/:externalId/past_usage', handle(async (req, res) => {
    const query = parseQuery(req.query, pastUsageQuerySchema);
    const input = { externalSubscriptionId: query.external_subscription_id, billableMetricCode: query.billable_metric_code, periodsCount: query.periods_count };
    const { rows, meta } = await pastUsage(db, organizationOf(req).id, customerOf(req), input, pageFrom(req.query));
    res.json({ usage_periods: rows.map(serializePastUsage), meta });
  }));

  router.post('/:externalId/wallets', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'wallet', createCustomerWalletSchema);
    res.json({ wallet: presentWallet(await createCustomerWallet(db, organizationOf(req), customerOf(req), input, await clock.now())) });
  }));
  router.get('/:externalId/wallets', handle(async (req, res) => {
    parseQuery(req.query, customerWalletQuerySchema);
    const { rows, meta } = await listCustomerWallets(db, organizationOf(req).id, customerOf(req), pageFrom(req.query), { nowMs: await clock.now(), aggregator: usageCache });
    res.json({ wallets: rows.map(presentWallet), meta });
  }));
  router.get('/:externalId/wallets/:code', handle(async (req, res) => {
    res.json({ wallet: presentWallet(await showCustomerWallet(db, organizationOf(req).id, customerOf(req), String(req.params.code), { nowMs: await clock.now(), aggregator: usageCache })) });
  }));
  router.put('/:externalId/wallets/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'wallet', updateCustomerWalletSchema);
    res.json({ wallet: presentWallet(await updateCustomerWallet(db, organizationOf(req).id, customerOf(req), String(req.params.code), input, await clock.now())) });
  }));
  router.delete('/:externalId/wallets/:code', handle(async (req, res) => {
    res.json({ wallet: presentWallet(await terminateCustomerWallet(db, organizationOf(req).id, customerOf(req), String(req.params.code), await clock.now())) });
  }));

  const walletMetadata = (change: (req: Request) => MetadataChange) => handle(async (req, res) => {
    const metadata = await changeCustomerWalletMetadata(db, organizationOf(req).id, customerOf(req), String(req.params.code), change(req));
    res.json({ metadata: serializeMetadata(metadata) });
  });
  router.post('/:externalId/wallets/:code/metadata', walletMetadata((req) => ({ kind: 'replace', value: parseMetadataBody(req.body) })));
  router.patch('/:externalId/wallets/:code/metadata', walletMetadata((req) => ({ kind: 'merge', value: parseMetadataBody(req.body) })));
  router.delete('/:externalId/wallets/:code/metadata', walletMetadata(() => ({ kind: 'clear' })));
  router.delete('/:externalId/wallets/:code/metadata/:key', walletMetadata((req) => ({ kind: 'delete_key', key: String(req.params.key) })));

  return router;
}
