/** Wallet alerts' bodies (Lago's `WalletAlertCreateInput`, `WalletAlertBatchCreateInput`, `WalletAlertUpdateInput`). */
import { z } from 'zod';
import { WALLET_ALERT_TYPES, type CreateWalletAlertInput, type UpdateWalletAlertInput, type WalletAlertThresholdInput, type WalletAlertType } from '../../services/credits';
import { SHOWN, honour, under, withContract, type RequestContract } from '../contract';
import { code } from './common';
import { threshold as usageAlertThreshold } from './alerts';

const threshold = usageAlertThreshold satisfies z.ZodType<WalletAlertThresholdInput>;

const alertType = z.string().refine((value) => (WALLET_ALERT_TYPES as readonly string[]).includes(value), { message: 'invalid_type' })
  .transform((value) => value as WalletAlertType);

const name = z.string().max(255).nullish();
const thresholds = z.array(threshold).nullish();

export const createWalletAlertSchema = z.object({ alert_type: alertType, code, name, thresholds }) satisfies z.ZodType<CreateWalletAlertInput>;

/** `{"alerts": [...]}`: Lago's batch, created all or none. */
export const createWalletAlertBatchSchema = z.object({ alerts: z.array(createWalletAlertSchema).max(100) });

const alertFields = honour(SHOWN, 'alert_type', 'code', 'name', 'thresholds.*.code', 'thresholds.*.value', 'thresholds.*.recurring');

/** The body of `POST /customers/:external_customer_id/wallets/:code/alerts` as documented: one under `alert`, or a batch under `alerts`. */
export const createWalletAlertsBodySchema = withContract(
  z.object({ alert: createWalletAlertSchema.optional(), alerts: z.array(createWalletAlertSchema).optional() }),
  { honoured: { ...under('alert.', alertFields), ...under('alerts.*.', alertFields) }, refused: {} } satisfies RequestContract,
);

export const updateWalletAlertSchema = withContract(
  z.object({ code: code.optional(), name, thresholds }),
  { honoured: honour(SHOWN, 'code', 'name', 'thresholds.*.code', 'thresholds.*.value', 'thresholds.*.recurring'), refused: {} } satisfies RequestContract,
) satisfies z.ZodType<UpdateWalletAlertInput>;
