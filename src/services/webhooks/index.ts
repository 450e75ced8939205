/** Webhooks: the endpoints an organization registers, the webhooks sent to them, and their delivery. */
export {
  MAX_ENDPOINTS_PER_ORGANIZATION, createWebhookEndpoint, destroyWebhookEndpoint, findWebhookEndpoint, listWebhookEndpointDeliveries,
  listWebhookEndpoints, updateWebhookEndpoint, type CreateWebhookEndpointInput, type SignatureAlgo, type UpdateWebhookEndpointInput,
} from './webhook-endpoints';
export { listWebhooks, retryWebhook, showWebhook, webhookPublicKey, type WebhookListFilters, type WebhookWithLog } from './webhooks';
export { attemptDelivery, deliverySettings, markWebhookFailed, type DeliverySettings } from '../../webhooks/delivery';
export { isWebhookType, type WebhookType } from '../../webhooks/event-types';
