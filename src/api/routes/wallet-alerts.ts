/**
 * `/api/v1/customers/:externalId/wallets/:code/alerts` (Lago's wallet alerts, issue 15 pt 4): list,
 * create (one under `alert`, or a batch under `alerts`, all or none), delete all, and retrieve,
 * update or delete one by code. The wallet is the customer's with that code (its active one, else
 * the most recently terminated). See services/credits/wallet-alerts.ts.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { pageFrom } from '../pagination';
import { parseEnvelope, parseInput } from '../validation';
import { createWalletAlertBatchSchema, createWalletAlertSchema, updateWalletAlertSchema } from '../schemas/wallet-alerts';
import { isAlertBatch } from '../schemas/alerts';
import { serializeWalletAlert } from '../../serializers/wallet-alert';
import {
  changeWalletAlert, createWalletAlert, createWalletAlerts, deleteWalletAlertByCode, deleteWalletAlerts, getWalletAlert, listWalletAlertsOf,
  type WalletRef,
} from '../../services/credits';

function refOf(req: Request): WalletRef {
  return { organizationId: organizationOf(req).id, externalCustomerId: String(req.params.externalId), walletCode: String(req.params.walletCode) };
}

export function walletAlertsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const base = '/:externalId/wallets/:walletCode/alerts';

  router.get(base, handle(async (req, res) => {
    const { rows, meta } = await listWalletAlertsOf(db, refOf(req), pageFrom(req.query));
    res.json({ alerts: rows.map(serializeWalletAlert), meta });
  }));
  router.post(base, handle(async (req, res) => {
    if (isAlertBatch(req.body)) {
      const { alerts } = parseInput(req.body, createWalletAlertBatchSchema);
      res.json({ alerts: (await createWalletAlerts(db, refOf(req), alerts, await clock.now())).map(serializeWalletAlert) });
      return;
    }
    const input = parseEnvelope(req.body, 'alert', createWalletAlertSchema);
    res.json({ alert: serializeWalletAlert(await createWalletAlert(db, refOf(req), input, await clock.now())) });
  }));
  router.delete(base, handle(async (req, res) => {
    await deleteWalletAlerts(db, refOf(req), await clock.now());
    res.status(200).end();
  }));
  router.get(`${base}/:code`, handle(async (req, res) => {
    res.json({ alert: serializeWalletAlert(await getWalletAlert(db, refOf(req), String(req.params.code))) });
  }));
  router.put(`${base}/:code`, handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'alert', updateWalletAlertSchema);
    res.json({ alert: serializeWalletAlert(await changeWalletAlert(db, refOf(req), String(req.params.code), input, await clock.now())) });
  }));
  router.delete(`${base}/:code`, handle(async (req, res) => {
    res.json({ alert: serializeWalletAlert(await deleteWalletAlertByCode(db, refOf(req), String(req.params.code), await clock.now())) });
  }));
  return router;
}
