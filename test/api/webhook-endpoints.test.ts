/** `/webhook_endpoints` CRUD with Lago's shapes and errors, organization scoping, the public key. */
import { createPublicKey } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Endpoint Org');
  other = await createPlainTestApi(database.db, 'Other Org');
});

afterAll(async () => database?.drop());

const invalid = (details: Record<string, string[]>) => ({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details });

it('creates an endpoint (jwt and all event types by default), reads, lists, updates and deletes it', async () => {
  const created = (await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/billing' } }).expect(200)).body.webhook_endpoint;
  expect(created).toEqual({
    lago_id: expect.any(String),
    lago_organization_id: api.organization.id,
    webhook_url: 'https://hooks.example.com/billing',
    signature_algo: 'jwt',
    name: null,
    event_types: null,
    created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    updated_at: expect.any(String),
  });
  expect((await api.get(`/webhook_endpoints/${created.lago_id}`).expect(200)).body.webhook_endpoint).toEqual(created);

  const updated = (await api.put(`/webhook_endpoints/${created.lago_id}`, {
    webhook_endpoint: { signature_algo: 'hmac', name: 'Finance', event_types: ['invoice.created', 'invoice.generated', 'invoice.created'] },
  }).expect(200)).body.webhook_endpoint;
  expect(updated).toMatchObject({ lago_id: created.lago_id, webhook_url: 'https://hooks.example.com/billing', signature_algo: 'hmac', name: 'Finance', event_types: ['invoice.created', 'invoice.generated'] });

  const back = (await api.put(`/webhook_endpoints/${created.lago_id}`, { webhook_endpoint: { event_types: null } }).expect(200)).body.webhook_endpoint;
  expect(back.event_types).toBeNull();

  const second = (await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'http://hooks.example.com:9000/hooks', signature_algo: 'hmac' } }).expect(200)).body.webhook_endpoint;
  const list = (await api.get('/webhook_endpoints?per_page=1').expect(200)).body;
  expect(list.webhook_endpoints.map((e: { lago_id: string }) => e.lago_id)).toEqual([second.lago_id]);
  expect(list.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: 2, total_count: 2 });

  const deleted = (await api.delete(`/webhook_endpoints/${second.lago_id}`).expect(200)).body.webhook_endpoint;
  expect(deleted.lago_id).toBe(second.lago_id);
  await api.get(`/webhook_endpoints/${second.lago_id}`).expect(404);
  expect((await api.get('/webhook_endpoints').expect(200)).body.meta.total_count).toBe(1);
});

it('answers Lago validation errors and writes nothing', async () => {
  const before = (await api.get('/webhook_endpoints').expect(200)).body.meta.total_count;
  expect((await api.post('/webhook_endpoints', {}).expect(400)).body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: webhook_endpoint' });
  expect((await api.post('/webhook_endpoints', { webhook_endpoint: { name: 'no url' } }).expect(422)).body).toEqual(invalid({ webhook_url: ['value_is_mandatory'] }));
  for (const url of ['not a url', 'ftp://files.example.com/x', 'javascript:alert(1)']) {
    expect((await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: url } }).expect(422)).body).toEqual(invalid({ webhook_url: ['url_is_invalid'] }));
  }
  expect((await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://a.example.com', signature_algo: 'md5' } }).expect(422)).body)
    .toEqual(invalid({ signature_algo: ['value_is_invalid'] }));
  expect((await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://a.example.com', event_types: ['invoice.created', 'invoice.exploded'] } }).expect(422)).body)
    .toEqual(invalid({ event_types: ['value_is_invalid'] }));
  expect((await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/billing' } }).expect(422)).body)
    .toEqual(invalid({ webhook_url: ['value_already_exist'] }));
  expect((await api.get('/webhook_endpoints').expect(200)).body.meta.total_count).toBe(before);
});

it('allows at most 10 endpoints per organization, and the same URL in another organization', async () => {
  const { total_count: existing } = (await api.get('/webhook_endpoints').expect(200)).body.meta;
  for (let i = existing; i < 10; i++) await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: `https://hooks.example.com/${i}` } }).expect(200);
  expect((await api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/eleventh' } }).expect(422)).body)
    .toEqual(invalid({ base: ['exceeded_limit'] }));
  await other.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/billing' } }).expect(200);
});

it("another organization's endpoint is a 404 for every verb", async () => {
  const [mine] = (await api.get('/webhook_endpoints').expect(200)).body.webhook_endpoints;
  const notFound = { status: 404, error: 'Not Found', code: 'webhook_endpoint_not_found' };
  expect((await other.get(`/webhook_endpoints/${mine.lago_id}`).expect(404)).body).toEqual(notFound);
  expect((await other.put(`/webhook_endpoints/${mine.lago_id}`, { webhook_endpoint: { name: 'x' } }).expect(404)).body).toEqual(notFound);
  expect((await other.delete(`/webhook_endpoints/${mine.lago_id}`).expect(404)).body).toEqual(notFound);
  expect((await other.get(`/webhook_endpoints/${mine.lago_id}/deliveries`).expect(404)).body).toEqual(notFound);
  expect((await other.get('/webhook_endpoints/not-a-uuid').expect(404)).body).toEqual(notFound);
  expect((await other.get('/webhook_endpoints').expect(200)).body.webhook_endpoints.map((e: { lago_id: string }) => e.lago_id)).not.toContain(mine.lago_id);
  expect((await api.get(`/webhook_endpoints/${mine.lago_id}`).expect(200)).body.webhook_endpoint.name).not.toBe('x');
});

it('publishes one RSA public key for JWT signatures, as JSON and as text', async () => {
  const json = (await api.get('/webhooks/json_public_key').expect(200)).body;
  const pem = Buffer.from(json.webhook.public_key, 'base64').toString();
  expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  expect(createPublicKey(pem).asymmetricKeyType).toBe('rsa');
  expect((await other.get('/webhooks/json_public_key').expect(200)).body).toEqual(json); // one key per installation
  const text = await api.get('/webhooks/public_key').expect(200);
  expect(text.headers['content-type']).toMatch(/^text\/plain/);
  expect(text.text).toBe(json.webhook.public_key);
});

it('lists webhooks by status and rejects unknown filters; a webhook of another organization is a 404', async () => {
  expect((await api.get('/webhooks?status=failed').expect(200)).body).toEqual({ webhooks: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  expect((await api.get('/webhooks?status=lost').expect(422)).body).toEqual(invalid({ status: ['value_is_invalid'] }));
  expect((await api.get('/webhooks?webhook_endpoint_id=nope').expect(422)).body).toEqual(invalid({ webhook_endpoint_id: ['value_is_invalid'] }));
  expect((await api.get('/webhooks/00000000-0000-4000-8000-000000000000').expect(404)).body.code).toBe('webhook_not_found');
  expect((await api.post('/webhooks/00000000-0000-4000-8000-000000000000/retry', {}).expect(404)).body.code).toBe('webhook_not_found');
});

describe('an internal address in the URL is refused at registration (SSRF)', () => {
  // Each form the URL parser reads as an internal address: 422 naming webhook_url, nothing written.
  const internal = [
    'http://127.0.0.1:9000/hooks', 'http://localhost/', 'http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://[::1]/',
    'http://[::ffff:127.0.0.1]/', 'http://10.0.0.1/', 'http://192.168.0.10/', 'http://100.64.0.1/', 'http://[fd00::1]/',
    'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/', 'http://[fe80::1]/',
    'http://224.0.0.1/', 'http://0.0.0.0/', 'http://255.255.255.255/',
  ];
  let organization: Awaited<ReturnType<typeof createPlainTestApi>>;
  beforeAll(async () => {
    organization = await createPlainTestApi(database.db, 'SSRF Org');
  });

  it.each(internal)('%s', async (url) => {
    expect((await organization.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: url } }).expect(422)).body).toEqual(invalid({ webhook_url: ['address_not_allowed'] }));
    expect((await organization.get('/webhook_endpoints').expect(200)).body.meta.total_count).toBe(0);
  });

  it('an update to an internal address is refused too, and changes nothing', async () => {
    const created = (await organization.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/ok' } }).expect(200)).body.webhook_endpoint;
    expect((await organization.put(`/webhook_endpoints/${created.lago_id}`, { webhook_endpoint: { webhook_url: 'http://[::ffff:7f00:1]/' } }).expect(422)).body)
      .toEqual(invalid({ webhook_url: ['address_not_allowed'] }));
    expect((await organization.get(`/webhook_endpoints/${created.lago_id}`).expect(200)).body.webhook_endpoint.webhook_url).toBe('https://hooks.example.com/ok');
    await organization.delete(`/webhook_endpoints/${created.lago_id}`).expect(200);
  });

  it('with private addresses allowed: loopback and private networks register; link-local, metadata and multicast never', async () => {
    await setWebhooksAllowPrivateAddresses(database.db, organization.organization.id, true);
    try {
      for (const url of ['http://127.0.0.1:9000/hooks', 'http://localhost/', 'http://[::1]/', 'http://10.0.0.1/', 'http://100.64.0.1/', 'http://[fd00::1]/']) {
        await organization.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: url } }).expect(200);
      }
      for (const url of ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/', 'http://[fe80::1]/', 'http://224.0.0.1/', 'http://0.0.0.0/']) {
        expect((await organization.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: url } }).expect(422)).body).toEqual(invalid({ webhook_url: ['address_not_allowed'] }));
      }
      expect((await organization.get('/webhook_endpoints').expect(200)).body.meta.total_count).toBe(6);
    } finally {
      await setWebhooksAllowPrivateAddresses(database.db, organization.organization.id, false);
    }
  });
});

it('answers carry Cache-Control: no-store and X-Content-Type-Options: nosniff, errors included', async () => {
  for (const response of [await api.get('/webhook_endpoints').expect(200), await api.get('/webhook_endpoints/nope').expect(404), await api.get('/nowhere').expect(404)]) {
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  }
});
