/**
 * One delivery attempt against local receivers (no Temporal): where a webhook may go (SSRF).
 * Endpoints are written straight to the table, past registration (which refuses address
 * literals), as an endpoint registered under a name whose DNS later changes would be. Every
 * receiver counts its hits: a refused attempt must leave its count at zero.
 *
 * Only loopback addresses are ever given to a real attempt, so that even a broken policy sends
 * nothing off this machine; the other internal addresses are checked by `resolveTarget`, which
 * decides before any connection (and `attemptDelivery` sends only what it allows).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { attemptDelivery, RESPONSE_EXCERPT_BYTES, type DeliverySettings } from '../../src/webhooks/delivery';
import { recordWebhookEvent } from '../../src/webhooks/outbox';
import { deliveriesOfWebhook, ensureWebhooks, insertEndpoint, type WebhookEndpointRow, type WebhookEventRow } from '../../src/db/webhooks';
import { setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';
import type { OrganizationRow } from '../../src/db/organizations';
import { resolveTarget, type Resolver } from '../../src/webhooks/outbound';
import { MockActivityEnvironment } from '@temporalio/testing';
import { silentLogger } from '../support/temporal';
import { webhookActivities } from '../../src/activities/webhooks';

let database: TestDatabase;
let organization: OrganizationRow;
const servers: http.Server[] = [];

interface Receiver {
  port: number;
  hits: number;
  /** Bytes the huge-answer receiver managed to write before the client hung up. */
  written: number;
}

async function receiver(answer: (req: http.IncomingMessage, res: http.ServerResponse, self: Receiver) => void): Promise<Receiver> {
  const self: Receiver = { port: 0, hits: 0, written: 0 };
  const server = http.createServer((req, res) => {
    self.hits++;
    req.resume();
    req.on('end', () => answer(req, res, self));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  self.port = (server.address() as AddressInfo).port;
  return self;
}

let ok: Receiver;
let redirectTarget: Receiver;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ organization } = await createTestOrganization(database.db, 'Delivery Org'));
  ok = await receiver((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('thanks'));
  redirectTarget = await receiver((_req, res) => res.writeHead(200).end('internal secret'));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await database?.drop();
});

/** Resolves only the names given (`.test` never resolves for real), counting each lookup. */
function fakeDns(names: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (async (hostname: string) => {
    calls.push(hostname);
    const addresses = names[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }) as Resolver & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

const settings = (resolve?: Resolver): DeliverySettings => ({ publicUrl: 'http://billow.test', timeoutMs: 5_000, resolve });

let endpointCount = 0;
/** An endpoint at `url` and one webhook of a fresh event to it. */
async function webhookTo(url: string): Promise<{ webhookId: string; endpoint: WebhookEndpointRow }> {
  const endpoint = await insertEndpoint(database.db, organization.id, { webhook_url: url, signature_algo: 'hmac', name: `e${++endpointCount}`, event_types: ['customer.created'] });
  const eventId = await database.db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId: organization.id, webhookType: 'customer.created', objectType: 'customer', object: { lago_id: `c${endpointCount}`, external_id: 'x' },
  }));
  const event = (await database.db<WebhookEventRow>('webhook_events').where({ id: eventId! }).first())!;
  // The event has a webhook to every endpoint of the organization (all take customer.created): this one's.
  const webhook = (await ensureWebhooks(database.db, event, [endpoint])).find((row) => row.endpoint_id === endpoint.id);
  return { webhookId: webhook!.id, endpoint };
}

const attempt = (webhookId: string, resolve?: Resolver) => attemptDelivery(database.db, settings(resolve), { organizationId: organization.id, webhookId, trigger: 'manual' });
const allowPrivate = (allowed: boolean) => setWebhooksAllowPrivateAddresses(database.db, organization.id, allowed);

describe('every internal address form is refused at delivery, and nothing is sent', () => {
  beforeAll(() => allowPrivate(false));
  const port = () => ok.port;
  // Each loopback form would reach the `ok` receiver if it were let through: its hit count stays 0.
  const forms: [string, () => string][] = [
    ['dotted IPv4', () => `http://127.0.0.1:${port()}/hook`],
    ['short IPv4', () => `http://127.1:${port()}/hook`],
    ['decimal', () => `http://2130706433:${port()}/hook`],
    ['hex', () => `http://0x7f.1:${port()}/hook`],
    ['octal', () => `http://017700000001:${port()}/hook`],
    ['IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.1]:${port()}/hook`],
    ['IPv4-mapped IPv6, hex', () => `http://[::ffff:7f00:1]:${port()}/hook`],
    ['IPv6 loopback', () => `http://[::1]:${port()}/hook`],
    ['localhost', () => `http://localhost:${port()}/hook`],
    ['unspecified (reaches loopback on Linux)', () => `http://0.0.0.0:${port()}/hook`],
    ['loopback /8', () => `http://127.0.0.2:${port()}/hook`],
  ];
  it.each(forms)('%s', async (_form, url) => {
    const before = ok.hits;
    const { webhookId } = await webhookTo(url());
    const outcome = await attempt(webhookId);
    expect(outcome).toEqual({ result: 'failed', attempt: 1, httpStatus: null, error: 'address_not_allowed' });
    expect(ok.hits).toBe(before);
    const [delivery] = await deliveriesOfWebhook(database.db, organization.id, webhookId);
    expect(delivery).toMatchObject({ attempt: 1, http_status: null, error: 'address_not_allowed', response_body: null });
  });
});

describe('the decision, before any connection, for the other internal addresses', () => {
  const noDns: Resolver = async (hostname) => {
    throw new Error(`${hostname} must not be resolved`);
  };
  it.each([
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'metadata'],
    ['http://2852039166/latest/meta-data/', 'metadata'],
    ['http://[::ffff:a9fe:a9fe]/', 'metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://169.254.10.10/', 'link_local'],
    ['http://[fe80::1]/', 'link_local'],
    ['http://10.1.2.3/', 'private'],
    ['http://[fd12::1]/', 'unique_local'],
    ['http://100.64.1.1/', 'carrier_grade_nat'],
    ['http://224.0.0.251/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
  ])('%s is refused as %s', async (url, category) => {
    const target = await resolveTarget(url, { allowPrivate: false, resolve: noDns });
    expect(target).toMatchObject({ kind: 'refused', error: 'address_not_allowed', detail: { category } });
  });

  it('a name with one internal answer among public ones is refused whole', async () => {
    const dns = fakeDns({ 'mixed.billow.test': ['93.184.215.14', '10.0.0.7'] });
    expect(await resolveTarget('https://mixed.billow.test/hook', { allowPrivate: false, resolve: dns }))
      .toEqual({ kind: 'refused', error: 'address_not_allowed', detail: { host: 'mixed.billow.test', address: '10.0.0.7', category: 'private' } });
    expect(await resolveTarget('https://mixed.billow.test/hook', { allowPrivate: true, resolve: dns })).toMatchObject({ kind: 'allowed', address: { address: '93.184.215.14' } });
  });
});

describe('host names', () => {
  it('a name resolving to loopback is refused', async () => {
    await allowPrivate(false);
    const dns = fakeDns({ 'receiver.billow.test': ['127.0.0.1'], 'receiver6.billow.test': ['::1', '127.0.0.1'] });
    const before = ok.hits;
    for (const host of ['receiver.billow.test', 'receiver6.billow.test']) {
      const { webhookId } = await webhookTo(`http://${host}:${ok.port}/hook`);
      expect(await attempt(webhookId, dns)).toMatchObject({ result: 'failed', error: 'address_not_allowed' });
    }
    expect(ok.hits).toBe(before);
    expect(dns.calls).toEqual(['receiver.billow.test', 'receiver6.billow.test']);
  });

  it('with private addresses allowed: delivered to the checked address, resolved once (no second lookup to rebind)', async () => {
    await allowPrivate(true);
    const dns = fakeDns({ 'receiver.billow.test': ['127.0.0.1'] });
    const before = ok.hits;
    const { webhookId } = await webhookTo(`http://receiver.billow.test:${ok.port}/pinned`);
    // The system resolver knows no `.test` name: the connection can only have used the address checked.
    expect(await attempt(webhookId, dns)).toEqual({ result: 'succeeded', attempt: 1, httpStatus: 200 });
    expect(ok.hits).toBe(before + 1);
    expect(dns.calls).toEqual(['receiver.billow.test']);
    const [delivery] = await deliveriesOfWebhook(database.db, organization.id, webhookId);
    expect(delivery).toMatchObject({ http_status: 200, error: null, response_body: 'thanks' });
  });

  it('re-checked on every attempt: the setting and the name are read again each time', async () => {
    const dns = fakeDns({ 'moving.billow.test': ['127.0.0.1'] });
    const { webhookId } = await webhookTo(`http://moving.billow.test:${ok.port}/again`);
    await allowPrivate(false);
    expect(await attempt(webhookId, dns)).toMatchObject({ attempt: 1, result: 'failed', error: 'address_not_allowed' });
    await allowPrivate(true);
    expect(await attempt(webhookId, dns)).toMatchObject({ attempt: 2, result: 'succeeded' });
    await allowPrivate(false);
    expect(await attempt(webhookId, dns)).toMatchObject({ attempt: 3, result: 'failed', error: 'address_not_allowed' });
    expect(dns.calls).toEqual(['moving.billow.test', 'moving.billow.test', 'moving.billow.test']);
    expect((await deliveriesOfWebhook(database.db, organization.id, webhookId)).map((d) => [d.attempt, d.http_status, d.error, d.response_body]))
      .toEqual([[1, null, 'address_not_allowed', null], [2, 200, null, 'thanks'], [3, null, 'address_not_allowed', null]]);
  });
});

describe('the answer', () => {
  beforeAll(() => allowPrivate(true));

  it('a redirect is not followed, to an internal address or anywhere: the attempt fails', async () => {
    // Each Location points at the counting target (were it followed, its count would move).
    for (const [status, location] of [[302, `http://127.0.0.1:${redirectTarget.port}/`], [307, `http://[::ffff:127.0.0.1]:${redirectTarget.port}/`], [301, `http://localhost:${redirectTarget.port}/x`]] as const) {
      const redirecting = await receiver((_req, res) => res.writeHead(status, { Location: location }).end('moved'));
      const { webhookId } = await webhookTo(`http://127.0.0.1:${redirecting.port}/hook`);
      expect(await attempt(webhookId)).toEqual({ result: 'failed', attempt: 1, httpStatus: status, error: `HTTP ${status} (redirects are not followed)` });
      expect(redirecting.hits).toBe(1);
    }
    expect(redirectTarget.hits).toBe(0);
  });

  it('a huge answer: at most 4 KB read and kept, streamed; the rest is never read', async () => {
    const chunk = Buffer.alloc(1 << 20, 'x'); // 1 MiB
    const limit = 512 * chunk.length; // 512 MiB if nobody hangs up
    const huge = await receiver((_req, res, self) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const pump = () => {
        while (self.written < limit) {
          self.written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (self.written = Math.min(self.written, limit)));
      pump();
    });
    const { webhookId } = await webhookTo(`http://127.0.0.1:${huge.port}/huge`);
    expect(await attempt(webhookId)).toEqual({ result: 'succeeded', attempt: 1, httpStatus: 200 });
    const [delivery] = await deliveriesOfWebhook(database.db, organization.id, webhookId);
    expect(RESPONSE_EXCERPT_BYTES).toBe(4096);
    expect(delivery!.response_body).toBe('x'.repeat(4096));
    // The client hung up after its 4 KB: the receiver wrote what the socket buffers took, far from 512 MiB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(huge.written).toBeLessThan(64 * chunk.length);
  });

  it('a NUL in the answer is dropped (Postgres text cannot hold it), the rest kept', async () => {
    const nul = await receiver((_req, res) => res.writeHead(500).end('bad\u0000news'));
    const { webhookId } = await webhookTo(`http://127.0.0.1:${nul.port}/nul`);
    expect(await attempt(webhookId)).toEqual({ result: 'failed', attempt: 1, httpStatus: 500, error: 'HTTP 500' });
    expect((await deliveriesOfWebhook(database.db, organization.id, webhookId))[0]!.response_body).toBe('badnews');
  });
});

describe("a burst's first attempts (deliverWebhooksOnce)", () => {
  beforeAll(() => allowPrivate(true));

  it('an attempt that throws is returned with the failed ones; the others are delivered once', async () => {
    const first = await webhookTo(`http://127.0.0.1:${ok.port}/burst-1`);
    const second = await webhookTo(`http://127.0.0.1:${ok.port}/burst-2`);
    const hitsBefore = ok.hits;
    // Not a uuid: reading its row throws in Postgres, as a lost connection or a cancelled statement would.
    const broken = { organizationId: organization.id, webhookId: 'not-a-uuid' };
    const deliveries = [{ organizationId: organization.id, webhookId: first.webhookId }, broken, { organizationId: organization.id, webhookId: second.webhookId }];
    const activity = webhookActivities({ db: database.db, webhookDelivery: settings() }).deliverWebhooksOnce;
    const outcome = await new MockActivityEnvironment(undefined, { logger: silentLogger }).run(activity, { deliveries });
    expect(outcome).toEqual({ failed: [broken] });
    expect(ok.hits - hitsBefore).toBe(2);
    for (const { webhookId } of [first, second]) {
      expect((await deliveriesOfWebhook(database.db, organization.id, webhookId)).map((row) => row.http_status)).toEqual([200]);
    }
  });
});
