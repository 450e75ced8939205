/**
 * The operator's commands (`npm run api-key -- …`, `npm run organization -- …`). They reach the
 * database at DATABASE_URL, or the embedded PostgreSQL of `npm start` (the running one, or started
 * for the length of the command when Billow is stopped).
 *
 *   api-key create [--name N] [--organization ID]   a new key, printed once
 *   api-key list [--all] [--organization ID]        ids, names, masks and dates; never a key
 *   api-key revoke ID                               refused from the next request on, in every API process
 *   organization show [--organization ID]
 *   organization allow-private-webhooks on|off [--organization ID]
 *   organization hmac-key [--organization ID]       the key receivers check `hmac` signatures with
 *   payments connect-stripe | show | disconnect     the Stripe connection (secrets from STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)
 *
 * `--organization` defaults to the first organization (the one `npm start` creates).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../runtime/config';
import type { Logger } from '../runtime/logger';
import { createDb, type Db } from '../db/knex';
import { databaseUrl } from '../db/databases';
import { firstOrganization, findOrganization, listOrganizations } from '../db/organizations';
import { createApiKey, listApiKeys, organizationHmacKey, revokeApiKey, setWebhooksAllowPrivateAddresses, type ApiKeyRow } from '../services/organizations';
import { embeddedPostgresUrl, startEmbeddedPostgres } from './postgres';
import { prepareSecretsAtRest, readEncryptionKeyFile } from './secrets';
import { connectStripe, disconnectStripe, stripeConnection } from '../services/payments';

type Out = (line: string) => void;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

const VALUED = new Set(['--name', '--organization', '--code']);

/** The words that are not options (`--all`, `--sandbox`) or option values (`--name N`). */
function positional(args: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (VALUED.has(args[i]!)) i++;
    else if (!args[i]!.startsWith('--')) words.push(args[i]!);
  }
  return words;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** The database the commands act on, and how to let go of it. */
async function openDatabase(config: Config, log: Logger, sandbox: boolean): Promise<{ db: Db; close(): Promise<void> }> {
  if (config.DATABASE_URL) {
    const db = createDb(config.DATABASE_URL, { max: 2 });
    return { db, close: () => db.destroy() };
  }
  const name = sandbox ? 'billow_sandbox' : 'billow';
  if (await isListening(config.EMBEDDED_POSTGRES_PORT)) {
    const db = createDb(databaseUrl(embeddedPostgresUrl(config.EMBEDDED_POSTGRES_PORT), name), { max: 2 });
    return { db, close: () => db.destroy() };
  }
  if (!fs.existsSync(path.join(config.BILLOW_DATA_DIR, 'postgres', 'PG_VERSION'))) {
    throw new Error(`No Billow database in ${config.BILLOW_DATA_DIR}: run \`npm start\` once, or set DATABASE_URL.`);
  }
  const postgres = await startEmbeddedPostgres({ dataDir: config.BILLOW_DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, log });
  const db = createDb(databaseUrl(postgres.url, name), { max: 2 });
  return { db, close: async () => { await db.destroy(); await postgres.stop(); } };
}

async function organizationIdFrom(db: Db, args: string[]): Promise<string> {
  const given = option(args, 'organization');
  const organization = given ? await findOrganization(db, given).catch(() => undefined) : await firstOrganization(db);
  if (!organization) {
    const known = (await listOrganizations(db)).map((o) => `  ${o.id}  ${o.name}`).join('\n');
    throw new Error(given ? `No organization ${given}. Organizations:\n${known}` : 'No organization yet: run `npm start` once.');
  }
  return organization.id;
}

const iso = (date: Date | null) => (date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

function keyTable(keys: ApiKeyRow[]): string[] {
  const rows = keys.map((key) => [key.id, key.organization_id, key.name ?? '-', key.mask ?? '(no mask: older key)', iso(key.created_at), iso(key.revoked_at)]);
  const header = ['id', 'organization', 'name', 'key', 'created', 'revoked'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

const USAGE = 'Use: npm run api-key -- create [--name NAME] [--organization ID] | list [--all] [--organization ID] | revoke KEY_ID';

export async function runApiKeyCommand(config: Config, args: string[], log: Logger, out: Out = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const [action, id] = positional(args);
  if (!action || !['create', 'list', 'revoke'].includes(action)) throw new Error(USAGE);
  const { db, close } = await openDatabase(config, log, args.includes('--sandbox'));
  try {
    if (action === 'create') {
      const { key, apiKey } = await createApiKey(db, { organizationId: await organizationIdFrom(db, args), name: option(args, 'name') ?? 'cli' });
      out(`API key (shown once: store it now): ${apiKey}`);
      out(`id ${key.id} · organization ${key.organization_id} · name ${key.name} · ${key.mask}`);
      out('Retire an older key with: npm run api-key -- revoke <id>   (ids: npm run api-key -- list)');
    } else if (action === 'list') {
      const organizationId = option(args, 'organization');
      const keys = await listApiKeys(db, { organizationId, includeRevoked: args.includes('--all') });
      for (const line of keyTable(keys)) out(line);
      if (keys.length === 0) out('(no key)');
    } else {
      if (!id) throw new Error(USAGE);
      const key = await revokeApiKey(db, id);
      out(`Revoked ${key.id} (${key.mask ?? 'no mask'}) at ${iso(key.revoked_at)}: every API process refuses it from the next request on.`);
      const left = await listApiKeys(db, { organizationId: key.organization_id });
      if (left.length === 0) out(`Organization ${key.organization_id} has no active key left: npm run api-key -- create --organization ${key.organization_id}`);
    }
  } finally {
    await close();
  }
}

const ORGANIZATION_USAGE = 'Use: npm run organization -- show | allow-private-webhooks on|off | hmac-key   [--organization ID]';

export async function runOrganizationCommand(config: Config, args: string[], log: Logger, out: Out = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const [action, value] = positional(args);
  if (!action || !['show', 'allow-private-webhooks', 'hmac-key'].includes(action)) throw new Error(ORGANIZATION_USAGE);
  if (action === 'allow-private-webhooks' && value !== 'on' && value !== 'off') throw new Error(ORGANIZATION_USAGE);
  readEncryptionKeyFile(config.BILLOW_DATA_DIR);
  const { db, close } = await openDatabase(config, log, args.includes('--sandbox'));
  try {
    const organizationId = await organizationIdFrom(db, args);
    if (action === 'allow-private-webhooks') {
      const organization = await setWebhooksAllowPrivateAddresses(db, organizationId, value === 'on');
      out(`${organization.name} (${organization.id}): webhooks ${organization.webhooks_allow_private_addresses ? 'may' : 'may not'} reach loopback and private addresses.`);
    } else if (action === 'hmac-key') {
      await prepareSecretsAtRest(db, log);
      out(await organizationHmacKey(db, organizationId));
    } else {
      const organization = (await findOrganization(db, organizationId))!;
      out(`${organization.name} (${organization.id})`);
      out(`webhooks_allow_private_addresses: ${organization.webhooks_allow_private_addresses}`);
    }
  } finally {
    await close();
  }
}

const PAYMENTS_USAGE = 'Use: STRIPE_SECRET_KEY=sk_… STRIPE_WEBHOOK_SECRET=whsec_… npm run payments -- connect-stripe [--code CODE] [--organization ID] | show | disconnect   [--organization ID]';

/**
 * The organization's Stripe connection. The secrets come from the environment (STRIPE_SECRET_KEY,
 * STRIPE_WEBHOOK_SECRET), never from arguments (which land in shell history and `ps`), and are
 * stored encrypted; `show` prints the code and a mask, and the webhook URL to give Stripe.
 */
export async function runPaymentsCommand(config: Config, args: string[], log: Logger, out: Out = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const [action] = positional(args);
  if (!action || !['connect-stripe', 'show', 'disconnect'].includes(action)) throw new Error(PAYMENTS_USAGE);
  readEncryptionKeyFile(config.BILLOW_DATA_DIR);
  const { db, close } = await openDatabase(config, log, args.includes('--sandbox'));
  try {
    await prepareSecretsAtRest(db, log);
    const organizationId = await organizationIdFrom(db, args);
    const webhookUrl = `${config.publicUrl}/webhooks/stripe/${organizationId}`;
    if (action === 'connect-stripe') {
      const secretKey = process.env.STRIPE_SECRET_KEY;
      const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;
      if (!secretKey || !webhookSecret) throw new Error(PAYMENTS_USAGE);
      const connection = await connectStripe(db, organizationId, { secretKey, webhookSecret, code: option(args, 'code') });
      out(`Stripe connected (${connection.code}, key ${connection.secretKeyMask}), secrets stored encrypted.`);
    } else if (action === 'disconnect') {
      out((await disconnectStripe(db, organizationId)) ? 'Stripe disconnected.' : 'No Stripe connection.');
      return;
    } else {
      const connection = await stripeConnection(db, organizationId);
      out(connection ? `Stripe: ${connection.code}, key ${connection.secretKeyMask}` : 'No Stripe connection.');
    }
    out(`Stripe webhook endpoint: ${webhookUrl}  (events: payment_intent.succeeded, payment_intent.payment_failed, payment_intent.requires_action, payment_intent.processing, payment_intent.canceled)`);
  } finally {
    await close();
  }
}
