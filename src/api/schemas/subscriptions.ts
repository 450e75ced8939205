import { z } from 'zod';
import { isoDateTime, optionalText } from './common';
import { usageThresholdsSchema } from './usage-thresholds';
import { PLAN_OVERRIDES_HONOURED, PLAN_OVERRIDES_REFUSED, planOverridesSchema } from './plan-overrides';
import type { CreateSubscriptionInput, UpdateSubscriptionInput } from '../../services/subscriptions';
import {
  SHOWN, honour, refuseTrue, refuseUnlessEmpty, refuseUnlessOneOf, refuseValues, withContract,
} from '../contract';

const NO_PAYMENTS = 'Billow collects through the customer\'s payment provider: it cannot pick or gate on a payment method per subscription.';

/** What both a subscription's creation and its edit refuse (Lago's fields Billow has no use for yet). */
const SUBSCRIPTION_REFUSALS = {
  billing_entity_code: refuseUnlessEmpty('Billow has a single issuer, the organization: it has no billing entities.'),
  ...PLAN_OVERRIDES_REFUSED,
  'invoice_custom_section.skip_invoice_custom_sections': refuseTrue('Billow has no invoice custom sections.'),
  'invoice_custom_section.invoice_custom_section_codes': refuseUnlessEmpty('Billow has no invoice custom sections.'),
  'payment_method.payment_method_type': refuseUnlessOneOf(['provider'], NO_PAYMENTS),
  'payment_method.payment_method_id': refuseUnlessEmpty(NO_PAYMENTS),
  activation_rules: refuseUnlessEmpty('Billow cannot gate a subscription\'s activation on a payment yet.'),
};

export const createSubscriptionSchema = withContract(z.object({
  external_customer_id: z.string().trim().min(1).max(255),
  plan_code: z.string().trim().min(1).max(255),
  external_id: z.string().trim().min(1).max(255).refine((value) => !value.includes('/'), { message: 'value_is_invalid' }),
  name: optionalText,
  billing_time: z.enum(['calendar', 'anniversary']).default('calendar'),
  subscription_at: isoDateTime.nullish(),
  ending_at: isoDateTime.nullish(),
  purchase_order_number: z.string().max(255).nullish(),
  consolidate_invoice: z.boolean().nullish(),
  usage_thresholds: usageThresholdsSchema,
  progressive_billing_disabled: z.boolean().nullish(),
  plan_overrides: planOverridesSchema.nullish(),
}), {
  honoured: {
    ...PLAN_OVERRIDES_HONOURED,
    ...honour(SHOWN, 'external_customer_id', 'plan_code', 'external_id', 'name', 'billing_time', 'subscription_at', 'ending_at', 'purchase_order_number', 'consolidate_invoice'),
    // Sent by Lago's clients though absent from its OpenAPI description (issue 15).
    usage_thresholds: 'Stored as the subscription\'s own thresholds, replacing its plan\'s: progressive invoices (services/invoicing/progressive-billing.ts) and GET /subscriptions/:id/lifetime_usage',
    progressive_billing_disabled: SHOWN,
  },
  honouredBeyondSpec: ['usage_thresholds', 'progressive_billing_disabled'],
  refused: SUBSCRIPTION_REFUSALS,
  beside: {
    authorization: refuseUnlessEmpty('Billow does not pre-authorize the customer\'s card.'),
  },
}) satisfies z.ZodType<CreateSubscriptionInput>;

const EDITS_TARGET = 'Lago edits the active subscription of that external id, or the pending one: no other status exists to edit.';

/** `PUT /subscriptions/:external_id` (Lago's SubscriptionUpdateInput, and the termination options Lago's service reads). */
export const updateSubscriptionSchema = withContract(z.object({
  name: optionalText,
  ending_at: isoDateTime.nullish(),
  subscription_at: isoDateTime.nullish(),
  consolidate_invoice: z.boolean().nullish(),
  purchase_order_number: z.string().max(255).nullish(),
  on_termination_credit_note: z.enum(['credit', 'refund', 'skip']).nullish(),
  on_termination_invoice: z.enum(['generate', 'skip']).nullish(),
  plan_overrides: planOverridesSchema.nullish(),
}), {
  honoured: {
    ...honour(SHOWN, 'name', 'ending_at', 'subscription_at', 'consolidate_invoice', 'purchase_order_number', 'on_termination_credit_note', 'on_termination_invoice'),
    ...PLAN_OVERRIDES_HONOURED,
  },
  honouredBeyondSpec: ['on_termination_credit_note', 'on_termination_invoice'],
  refused: {
    ...SUBSCRIPTION_REFUSALS,
    on_termination_credit_note: { ...refuseValues(['offset'], 'Offsetting a credit note against the invoice\'s amount due is not supported yet: credit or refund.'), beyondSpec: true, examples: ['offset'] },
  },
  beside: {
    status: { ...refuseUnlessOneOf(['active', 'pending'], EDITS_TARGET), examples: ['terminated'] },
  },
}) satisfies z.ZodType<UpdateSubscriptionInput>;
