/**
 * The sandbox's relay renders documents in its own process (no activity may hold the time-skipping
 * server's clock): a rendering, however slow, never holds up the rest of the outbox, such as the
 * overdue requests that must reach the server before its clock moves past their instant. While the
 * sandbox clock is being advanced, documents wait: the advance's caller waits for billing, not PDFs.
 */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { waitFor } from '../support/processes';
import { requestDocument, requestOverdueSweep, type DocumentRequestInput } from '../../src/webhooks/outbox';
import { startOutboxRelay, type RelayDeps } from '../../src/webhooks/relay';
import { advanceRunning, whileMarkedAdvancing } from '../../src/db/sandbox-advance';
import { overdueWorkflowId } from '../../src/workflows/ids';

let database: TestDatabase;
let organizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ organization: { id: organizationId } } = await createTestOrganization(database.db, 'Sandbox Relay Org'));
});

afterAll(async () => {
  await database?.drop();
});

const pendingDocuments = async () => Number((await database.db('document_requests').whereNull('dispatched_at').count({ n: '*' }))[0]!.n);

/** A promise that resolves once `open` is called. */
function latch(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** `count` invoice documents requested in one committed transaction; their ids. */
async function requestDocuments(count: number): Promise<string[]> {
  const documents = Array.from({ length: count }, () => randomUUID());
  await database.db.transaction(async (trx) => {
    for (const id of documents) await requestDocument(trx, { organizationId, documentType: 'invoice', id });
  });
  return documents;
}

/** Waits until no request is pending, then checks that each document was rendered once. */
async function expectEachRendered(rendered: string[], documents: string[]): Promise<void> {
  await waitFor('every document rendered and marked', async () => ((await pendingDocuments()) === 0 ? true : undefined), 5_000);
  expect([...rendered].sort()).toEqual([...documents].sort());
}

it('an overdue request is relayed while a rendering still runs; the rendered documents are marked after', async () => {
  const signalled: string[] = [];
  const client: RelayDeps['client'] = {
    workflow: {
      start: (async () => { throw new Error('the test starts no workflow'); }) as never,
      signalWithStart: (async (_type: string, options: { workflowId: string }) => { signalled.push(options.workflowId); }) as never,
    },
  };
  const renderingMayEnd = latch();
  const release = renderingMayEnd.open;
  const rendering: string[] = [];
  const renderDocument = async (request: DocumentRequestInput) => {
    rendering.push(request.id);
    await renderingMayEnd.opened;
  };
  const documents = await requestDocuments(3);
  const relay = startOutboxRelay({ db: database.db, client, taskQueue: 'sandbox', renderDocument }, { intervalMs: 20 });
  try {
    // Two at once (the renderer's pages); the third waits for one of them.
    await waitFor('two renderings', async () => (rendering.length === 2 ? true : undefined), 5_000);
    const instantMs = Date.parse('2027-02-01T00:00:00Z');
    await database.db.transaction((trx) => requestOverdueSweep(trx, { organizationId, invoiceId: randomUUID(), instantMs }));
    await waitFor('the overdue request relayed', async () => (signalled.length === 1 ? true : undefined), 5_000);
    expect(signalled).toEqual([overdueWorkflowId(organizationId, instantMs)]);
    expect(rendering).toHaveLength(2);
    expect(await pendingDocuments()).toBe(3);
    release();
    await expectEachRendered(rendering, documents);
  } finally {
    release();
    await relay.stop();
  }
});

it('documents wait while an advance holds the marker, and are rendered once it ends', async () => {
  const client: RelayDeps['client'] = { workflow: { start: (async () => { throw new Error('the test starts no workflow'); }) as never } };
  const rendered: string[] = [];
  const renderDocument = async (request: DocumentRequestInput) => {
    rendered.push(request.id);
  };
  const documents = await requestDocuments(2);
  expect(await advanceRunning(database.db)).toBe(false);
  const advanceMayEnd = latch();
  const endAdvance = advanceMayEnd.open;
  const entered = latch();
  // The API's side: an advance running on a connection of its own.
  const advance = whileMarkedAdvancing(database.db, async () => {
    entered.open();
    await advanceMayEnd.opened;
    return 'done';
  });
  await entered.opened;
  const relay = startOutboxRelay({ db: database.db, client, taskQueue: 'sandbox', renderDocument, documentsHeld: () => advanceRunning(database.db) }, { intervalMs: 20 });
  try {
    expect(await advanceRunning(database.db)).toBe(true);
    // Many ticks of the documents loop go by: nothing is claimed while the advance runs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rendered).toEqual([]);
    expect(await pendingDocuments()).toBe(2);
    endAdvance();
    await expect(advance).resolves.toBe('done');
    expect(await advanceRunning(database.db)).toBe(false);
    await expectEachRendered(rendered, documents);
  } finally {
    endAdvance();
    await relay.stop();
  }
});

it('an advance that fails releases the marker', async () => {
  await expect(whileMarkedAdvancing(database.db, async () => {
    expect(await advanceRunning(database.db)).toBe(true);
    throw new Error('the test server went away');
  })).rejects.toThrow('the test server went away');
  expect(await advanceRunning(database.db)).toBe(false);
});
