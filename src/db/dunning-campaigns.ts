/** The organization's dunning campaign (migration 025): one per organization. */
import type { Conn } from './knex';

export interface DunningThreshold {
  currency: string;
  /** Integer cents, as a JSON string (bigint does not go into JSON). */
  amount_cents: string;
}

export interface DunningCampaignRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  max_attempts: number;
  days_between_attempts: number;
  thresholds: DunningThreshold[];
  created_at: Date;
  updated_at: Date;
}

export type DunningCampaignFields = Pick<DunningCampaignRow, 'code' | 'name' | 'max_attempts' | 'days_between_attempts' | 'thresholds'>;

export async function findDunningCampaign(conn: Conn, organizationId: string): Promise<DunningCampaignRow | undefined> {
  return conn<DunningCampaignRow>('dunning_campaigns').where({ organization_id: organizationId }).first();
}

/** Creates or replaces the organization's campaign (its id kept). */
export async function saveDunningCampaign(conn: Conn, organizationId: string, fields: DunningCampaignFields): Promise<DunningCampaignRow> {
  const values = { ...fields, thresholds: JSON.stringify(fields.thresholds) };
  const [row] = await conn<DunningCampaignRow>('dunning_campaigns')
    .insert({ organization_id: organizationId, ...values } as never)
    .onConflict('organization_id').merge({ ...values, updated_at: conn.fn.now() } as never)
    .returning('*');
  return row as DunningCampaignRow;
}

export async function deleteDunningCampaign(conn: Conn, organizationId: string): Promise<DunningCampaignRow | undefined> {
  const [row] = await conn<DunningCampaignRow>('dunning_campaigns').where({ organization_id: organizationId }).delete().returning('*');
  return row as DunningCampaignRow | undefined;
}
