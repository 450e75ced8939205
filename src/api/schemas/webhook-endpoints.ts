/** `{"webhook_endpoint": {...}}` (reference §1.10). */
import { z } from 'zod';
import { isWebhookType, type CreateWebhookEndpointInput, type UpdateWebhookEndpointInput } from '../../services/webhooks';
import { issue } from '../validation';
import { SHOWN, honour, withContract, type RequestContract } from '../contract';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const webhookUrl = z.string().trim().min(1).max(2048)
  .refine(isHttpUrl, { params: { code: 'url_is_invalid' }, message: 'url_is_invalid' });

/** Lago's webhook types; an unknown one makes the whole field invalid (`event_types: [value_is_invalid]`). */
const eventTypes = z.array(z.string())
  .max(200)
  .superRefine((types, ctx) => {
    if (types.some((type) => !isWebhookType(type))) issue(ctx, [], 'value_is_invalid');
  })
  .transform((types) => [...new Set(types)]);

const contract: RequestContract = { honoured: honour(SHOWN, 'webhook_url', 'signature_algo', 'name', 'event_types'), refused: {} };

export const createWebhookEndpointSchema = withContract(z.object({
  webhook_url: webhookUrl,
  signature_algo: z.enum(['jwt', 'hmac']).nullish(),
  name: z.string().max(255).nullish(),
  event_types: eventTypes.nullish(),
}), contract) satisfies z.ZodType<CreateWebhookEndpointInput>;

export const updateWebhookEndpointSchema = withContract(z.object({
  webhook_url: webhookUrl.optional(),
  signature_algo: z.enum(['jwt', 'hmac']).optional(),
  name: z.string().max(255).nullish(),
  event_types: eventTypes.nullish(),
}), contract) satisfies z.ZodType<UpdateWebhookEndpointInput>;
