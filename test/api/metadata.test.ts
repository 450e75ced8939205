/**
 * The metadata routes of plans, wallets (by id and by customer and code) and credit notes: replace
 * (POST), merge (PATCH), clear (DELETE), delete one key (DELETE `/:key`); Lago's limits; another
 * organization's owner is a 404; a refused request writes nothing.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice, snapshotTables } from '../support/money';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
const owners: Record<string, { path: string; notFound: string }> = {};
const TABLES = ['plans', 'wallets', 'credit_notes'];

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Meta Co');
  other = await createPlainTestApi(database.db, 'Other Co');
  const customer = await seedCustomer(database.db, api.organization.id, 'meta_customer');
  await api.post('/plans', { plan: { name: 'P', code: 'meta_plan', interval: 'monthly', amount_cents: 100, amount_currency: 'EUR', pay_in_advance: false } });
  const wallet = (await api.post('/wallets', { wallet: { external_customer_id: 'meta_customer', rate_amount: '1', currency: 'EUR', code: 'main' } })).body.wallet;
  const { invoice, feeIds } = await seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 1000n }] });
  const note = (await api.post('/credit_notes', { credit_note: { invoice_id: invoice.id, credit_amount_cents: 100, items: [{ fee_id: feeIds[0], amount_cents: 100 }] } })).body.credit_note;
  owners.plan = { path: '/plans/meta_plan', notFound: 'plan_not_found' };
  owners.wallet = { path: `/wallets/${wallet.lago_id}`, notFound: 'wallet_not_found' };
  owners.customerWallet = { path: '/customers/meta_customer/wallets/main', notFound: 'wallet_not_found' };
  owners.creditNote = { path: `/credit_notes/${note.lago_id}`, notFound: 'credit_note_not_found' };
});
afterAll(async () => database?.drop());

describe.each(['plan', 'wallet', 'customerWallet', 'creditNote'])('%s metadata', (owner) => {
  const path = () => `${owners[owner]!.path}/metadata`;

  test('replace, merge, delete a key, clear', async () => {
    expect((await api.post(path(), { metadata: { a: '1', b: null } })).body).toEqual({ metadata: { a: '1', b: null } });
    // Replace drops what is not sent.
    expect((await api.post(path(), { metadata: { a: '1', z: 'zz' } })).body).toEqual({ metadata: { a: '1', z: 'zz' } });
    expect((await api.patch(path(), { metadata: { z: null, c: '3' } })).body).toEqual({ metadata: { a: '1', z: null, c: '3' } });
    expect((await api.delete(`${path()}/a`)).body).toEqual({ metadata: { z: null, c: '3' } });
    // An absent key: nothing to remove, nothing changes.
    expect((await api.delete(`${path()}/nope`)).body).toEqual({ metadata: { z: null, c: '3' } });
    expect((await api.delete(path())).body).toEqual({ metadata: null });
    expect((await api.delete(`${path()}/c`)).body).toEqual({ status: 404, error: 'Not Found', code: 'metadata_not_found' });
    expect((await api.patch(path(), { metadata: { k: 'v' } })).body).toEqual({ metadata: { k: 'v' } });
  });

  test("Lago's limits (50 keys of 100 characters, values of 255 characters or null); bad bodies write nothing", async () => {
    await api.post(path(), { metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) });
    const before = await snapshotTables(database.db, TABLES);
    const fiftyOne = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const refused: [unknown, number, string[]][] = [
      [{ metadata: fiftyOne }, 422, ['metadata']],
      [{ metadata: { new_key: 'one too many' } }, 422, ['metadata']], // the merge would hold 51 keys (PATCH below)
      [{ metadata: { ['k'.repeat(101)]: 'v' } }, 422, [`metadata.${'k'.repeat(101)}`]],
      [{ metadata: { k: 'v'.repeat(256) } }, 422, ['metadata.k']],
      [{ metadata: { k: 12 } }, 422, ['metadata.k']],
      [{ metadata: ['k'] }, 422, ['metadata']],
      [{ metadata: {} }, 400, []],
      [{}, 400, []],
    ];
    for (const [index, [body, status, fields]] of refused.entries()) {
      const response = index === 1 ? await api.patch(path(), body) : await api.post(path(), body);
      expect({ index, status: response.status, fields: Object.keys(response.body.error_details ?? {}) }).toEqual({ index, status, fields });
    }
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test("another organization's owner is a 404, and nothing changes", async () => {
    const before = await snapshotTables(database.db, TABLES);
    const expected = { status: 404, error: 'Not Found', code: owner === 'customerWallet' ? 'customer_not_found' : owners[owner]!.notFound };
    expect((await other.post(path(), { metadata: { x: 'y' } })).body).toEqual(expected);
    expect((await other.patch(path(), { metadata: { x: 'y' } })).body).toEqual(expected);
    expect((await other.delete(path())).body).toEqual(expected);
    expect((await other.delete(`${path()}/k0`)).body).toEqual(expected);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });
});

test("a plan's metadata is the same object GET /plans shows", async () => {
  await api.post('/plans/meta_plan/metadata', { metadata: { crm: 'opp-42' } });
  expect((await api.get('/plans/meta_plan')).body.plan.metadata).toEqual({ crm: 'opp-42' });
});
