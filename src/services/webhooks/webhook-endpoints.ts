/** Creating, changing and deleting webhook endpoints: at most 10 per organization, URLs unique. */
import type { Db } from '../../db/knex';
import {
  MAX_ENDPOINTS_PER_ORGANIZATION, deleteEndpoint, endpointsOf, findEndpoint, insertEndpoint, updateEndpoint, type WebhookEndpointRow,
} from '../../db/webhooks';
import { invalidField, notFound } from '../../runtime/errors';
import type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from '../../api/schemas/webhook-endpoints';
import { isUniqueViolation } from '../../db/errors';

async function lockEndpoints(trx: Db, organizationId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`webhook_endpoints:${organizationId}`]);
}

export async function createWebhookEndpoint(db: Db, organizationId: string, input: CreateWebhookEndpointInput): Promise<WebhookEndpointRow> {
  try {
    return await db.transaction(async (trx) => {
      await lockEndpoints(trx, organizationId);
      const [{ count }] = (await endpointsOf(trx, organizationId).count({ count: '*' })) as [{ count: string | number }];
      if (Number(count) >= MAX_ENDPOINTS_PER_ORGANIZATION) throw invalidField('base', 'exceeded_limit');
      return insertEndpoint(trx, organizationId, {
        webhook_url: input.webhook_url,
        signature_algo: input.signature_algo ?? 'jwt',
        name: input.name ?? null,
        event_types: input.event_types ?? null,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('webhook_url', 'value_already_exist');
    throw error;
  }
}

export async function updateWebhookEndpoint(db: Db, organizationId: string, id: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpointRow> {
  const existing = await findEndpoint(db, organizationId, id);
  if (!existing) throw notFound('webhook_endpoint');
  const fields: Parameters<typeof updateEndpoint>[3] = {};
  if (input.webhook_url !== undefined) fields.webhook_url = input.webhook_url;
  if (input.signature_algo !== undefined) fields.signature_algo = input.signature_algo;
  if (input.name !== undefined) fields.name = input.name ?? null;
  if (input.event_types !== undefined) fields.event_types = input.event_types ?? null;
  try {
    return await updateEndpoint(db, organizationId, id, fields);
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('webhook_url', 'value_already_exist');
    throw error;
  }
}

export async function destroyWebhookEndpoint(db: Db, organizationId: string, id: string): Promise<WebhookEndpointRow> {
  const existing = await findEndpoint(db, organizationId, id);
  if (!existing) throw notFound('webhook_endpoint');
  await deleteEndpoint(db, organizationId, id);
  return existing;
}
