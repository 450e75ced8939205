/** Usage alerts' bodies (Lago's `AlertCreateInput`, `AlertBatchCreateInput`, `AlertUpdateInput`). */
import { z } from 'zod';
import { ALERT_TYPES, type AlertThresholdInput, type AlertType, type CreateAlertInput, type UpdateAlertInput } from '../../services/alerts';
import { Dec, MoneyError, parseDecimal } from '../../billing/money';
import { SHOWN, honour, shownAs, under, withContract, type RequestContract } from '../contract';
import { issue } from '../validation';
import { code } from './common';

/** A threshold's value: an integer or a decimal string, ≥ 0, at most 5 decimals and 25 digits before the point (Lago's decimal(30, 5)). */
const thresholdValue = z.unknown().transform((value, ctx): string => {
  if (value === undefined || value === null) {
    issue(ctx, [], 'value_is_mandatory');
    return z.NEVER;
  }
  let parsed: Dec;
  try {
    parsed = parseDecimal(value);
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    issue(ctx, [], 'value_is_invalid');
    return z.NEVER;
  }
  if (parsed.decimalPlaces() > 5) {
    issue(ctx, [], 'value_is_invalid');
    return z.NEVER;
  }
  if (parsed.gte(new Dec(10).pow(25))) {
    issue(ctx, [], 'value_is_out_of_range');
    return z.NEVER;
  }
  return parsed.toFixed();
});

export const threshold = z.object({
  code: z.string().max(255).nullish(),
  value: thresholdValue,
  recurring: z.boolean().nullish(),
}) satisfies z.ZodType<AlertThresholdInput>;

const alertType = z.string().refine((value) => (ALERT_TYPES as readonly string[]).includes(value), { message: 'invalid_type' })
  .transform((value) => value as AlertType);

const name = z.string().max(255).nullish();
const thresholds = z.array(threshold).nullish();

export const createAlertSchema = z.object({
  alert_type: alertType,
  code,
  name,
  billable_metric_code: z.string().max(255).nullish(),
  thresholds,
}) satisfies z.ZodType<CreateAlertInput>;

/** `{"alerts": [...]}`: Lago's batch, created all or none. */
export const createAlertBatchSchema = z.object({ alerts: z.array(createAlertSchema).max(100) });

const alertFields: Record<string, string> = {
  ...honour(SHOWN, 'alert_type', 'code', 'name', 'thresholds.*.code', 'thresholds.*.value', 'thresholds.*.recurring'),
};

/**
 * The body of `POST /subscriptions/:external_id/alerts` as documented: one alert under `alert`, or
 * a batch under `alerts` (parsed with `createAlertSchema` or `createAlertBatchSchema`).
 */
export const createAlertsBodySchema = withContract(
  z.object({ alert: createAlertSchema.optional(), alerts: z.array(createAlertSchema).optional() }),
  {
    honoured: {
      ...under('alert.', alertFields),
      'alert.billable_metric_code': shownAs('alert.billable_metric.code'),
      ...under('alerts.*.', alertFields),
      'alerts.*.billable_metric_code': shownAs('alerts.*.billable_metric.code'),
    },
    refused: {},
  } satisfies RequestContract,
);

export const updateAlertSchema = withContract(
  z.object({ code: code.optional(), name, billable_metric_code: z.string().max(255).nullish(), thresholds }),
  {
    honoured: {
      ...honour(SHOWN, 'code', 'name', 'thresholds.*.code', 'thresholds.*.value', 'thresholds.*.recurring'),
      billable_metric_code: shownAs('billable_metric.code'),
    },
    refused: {},
  } satisfies RequestContract,
) satisfies z.ZodType<UpdateAlertInput>;

/** A batch body: `alerts` present (a list, even empty). */
export const isAlertBatch = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && (body as Record<string, unknown>).alerts !== undefined && (body as Record<string, unknown>).alert === undefined;
