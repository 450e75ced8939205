/** Wallets addressed by their code within a customer (Lago's `/customers/:external_id/wallets/:code`). */
import type { Conn } from './knex';
import type { WalletRow } from './wallets';

/**
 * The customer's wallet with this code: the active one (codes are unique among active wallets),
 * else the most recently terminated one.
 */
export async function findCustomerWalletByCode(conn: Conn, organizationId: string, customerId: string, code: string): Promise<WalletRow | undefined> {
  return conn<WalletRow>('wallets')
    .where({ organization_id: organizationId, customer_id: customerId, code })
    .orderByRaw("(status = 'active') DESC, terminated_at DESC NULLS LAST, created_at DESC, id DESC")
    .first();
}

/** Whether an active wallet of the customer already has this code. */
export async function activeWalletCodeTaken(conn: Conn, customerId: string, code: string): Promise<boolean> {
  return (await conn('wallets').where({ customer_id: customerId, code, status: 'active' }).first('id')) !== undefined;
}
