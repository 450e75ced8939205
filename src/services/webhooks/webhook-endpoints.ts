/**
 * Creating, changing, deleting and listing webhook endpoints: at most 10 per organization, URLs
 * unique, and no URL whose host is an internal address literal (unless the organization allows
 * private addresses; link-local and metadata addresses never).
 */
import type { Db } from '../../db/knex';
import { isUniqueViolation } from '../../db/errors';
import { findOrganization } from '../../db/organizations';
import { refusedUrlHost } from '../../webhooks/address-policy';
import {
  countEndpoints, deleteEndpoint, findEndpoint, insertEndpoint, listEndpointDeliveries, listEndpoints, lockEndpointsOf, updateEndpoint,
  type EndpointFields, type WebhookDeliveryRow, type WebhookEndpointRow,
} from '../../db/webhooks';
import { invalidField, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';

export const MAX_ENDPOINTS_PER_ORGANIZATION = 10;

export type SignatureAlgo = 'jwt' | 'hmac';

export interface CreateWebhookEndpointInput {
  webhook_url: string;
  /** jwt when absent. */
  signature_algo?: SignatureAlgo | null;
  name?: string | null;
  /** Webhook types the endpoint wants; null or absent = every type. */
  event_types?: string[] | null;
}

/** Absent fields keep their value. */
export interface UpdateWebhookEndpointInput {
  webhook_url?: string;
  signature_algo?: SignatureAlgo;
  name?: string | null;
  event_types?: string[] | null;
}

/** A second endpoint with the same URL in one organization is the client's mistake. */
async function uniqueUrl<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('webhook_url', 'value_already_exist');
    throw error;
  }
}

/** An internal address literal (`http://127.0.0.1/`, `http://[::1]/`, `http://2130706433/`…) or `localhost`: refused at once. */
async function refuseInternalHost(db: Db, organizationId: string, url: string): Promise<void> {
  const allowPrivate = (await findOrganization(db, organizationId))?.webhooks_allow_private_addresses ?? false;
  if (refusedUrlHost(url, allowPrivate)) throw invalidField('webhook_url', 'address_not_allowed');
}

export async function createWebhookEndpoint(db: Db, organizationId: string, input: CreateWebhookEndpointInput): Promise<WebhookEndpointRow> {
  await refuseInternalHost(db, organizationId, input.webhook_url);
  return uniqueUrl(() => db.transaction(async (trx) => {
    await lockEndpointsOf(trx, organizationId);
    if ((await countEndpoints(trx, organizationId)) >= MAX_ENDPOINTS_PER_ORGANIZATION) throw invalidField('base', 'exceeded_limit');
    return insertEndpoint(trx, organizationId, {
      webhook_url: input.webhook_url,
      signature_algo: input.signature_algo ?? 'jwt',
      name: input.name ?? null,
      event_types: input.event_types ?? null,
    });
  }));
}

export async function findWebhookEndpoint(db: Db, organizationId: string, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await findEndpoint(db, organizationId, id);
  if (!endpoint) throw notFound('webhook_endpoint');
  return endpoint;
}

export async function listWebhookEndpoints(db: Db, organizationId: string, page: Page): Promise<Paginated<WebhookEndpointRow>> {
  return listEndpoints(db, organizationId, page);
}

export async function updateWebhookEndpoint(db: Db, organizationId: string, id: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpointRow> {
  await findWebhookEndpoint(db, organizationId, id);
  if (input.webhook_url !== undefined) await refuseInternalHost(db, organizationId, input.webhook_url);
  const fields: Partial<EndpointFields> = {};
  if (input.webhook_url !== undefined) fields.webhook_url = input.webhook_url;
  if (input.signature_algo !== undefined) fields.signature_algo = input.signature_algo;
  if (input.name !== undefined) fields.name = input.name ?? null;
  if (input.event_types !== undefined) fields.event_types = input.event_types ?? null;
  return uniqueUrl(() => updateEndpoint(db, organizationId, id, fields));
}

export async function destroyWebhookEndpoint(db: Db, organizationId: string, id: string): Promise<WebhookEndpointRow> {
  const existing = await findWebhookEndpoint(db, organizationId, id);
  await deleteEndpoint(db, organizationId, id);
  return existing;
}

/** Every delivery attempt to one endpoint, newest first. */
export async function listWebhookEndpointDeliveries(db: Db, organizationId: string, id: string, page: Page): Promise<Paginated<WebhookDeliveryRow>> {
  const endpoint = await findWebhookEndpoint(db, organizationId, id);
  return listEndpointDeliveries(db, organizationId, endpoint.id, page);
}
