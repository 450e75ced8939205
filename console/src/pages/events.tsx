/**
 * The events debugger: a live tail of incoming events (polled every 2 s), filtered by metric code
 * and subscription; for each event, whether it was counted and where it was billed (Billow's trace
 * of the event, `GET /events/:transaction_id`: the invoice, a draft, the open period, late usage),
 * or why it was refused.
 *
 * Billow refuses an event it cannot count (unknown metric code, no active subscription, bad
 * fields) with a 422 and stores nothing, so every stored event was counted, and a refused event
 * exists only in the answer its sender got. The debugger therefore shows refusals of the events
 * sent from its own form (kept in this page's memory, never in browser storage); a product's
 * refused events are in that product's logs.
 */
import { useState, type FormEvent } from 'react';
import { Anchor, Badge, Button, Code, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ApiError, humanCode, qs } from '../lib/api';
import { useApi } from '../lib/query';
import { dateTime } from '../lib/format';
import type { EventBilling, Invoice, List, Metric, UsageEvent } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { Empty, ErrorState, Loading } from '../components/states';

interface Refused {
  key: string;
  at: string;
  body: { transaction_id: string; code: string; external_subscription_id: string; timestamp?: string; properties?: Record<string, unknown> };
  status: number;
  reasons: Record<string, string[]>;
}

const REFUSED_KEY = ['console', 'refused-events'];

/** Where a counted event was billed, or why not: Billow's trace of the event, and the invoice it names. */
async function whereBilled(event: UsageEvent): Promise<{ billing: EventBilling; invoice?: Invoice }> {
  const { event: traced } = await api<{ event: UsageEvent & { billing: EventBilling } }>('GET', `/events/${encodeURIComponent(event.transaction_id)}`);
  const { billing } = traced;
  if (!billing.lago_invoice_id) return { billing };
  return { billing, invoice: (await api<{ invoice: Invoice }>('GET', `/invoices/${billing.lago_invoice_id}`)).invoice };
}

function BilledWhere({ event }: { event: UsageEvent }) {
  const where = useQuery({ queryKey: ['console', 'billed', event.lago_id], queryFn: () => whereBilled(event), staleTime: 10_000 });
  if (where.isPending) return <Text size="xs" c="dimmed">Looking for its invoice…</Text>;
  if (where.isError) return <Text size="xs" c="red">{(where.error as Error).message}</Text>;
  const { billing, invoice } = where.data;
  const invoiceLink = invoice ? <Anchor component={Link} to={`/invoices/${invoice.lago_id}`}>invoice {invoice.number}</Anchor> : null;
  switch (billing.status) {
    case 'billed':
      return <Text size="xs">Billed on {invoiceLink}{billing.late ? ' (arrived late: billed as an adjustment)' : ''}</Text>;
    case 'in_draft':
      return <Text size="xs">In the draft {invoiceLink}, finalized when its grace period ends.</Text>;
    case 'period_open':
      return <Text size="xs">In the current period of <Anchor component={Link} to={`/subscriptions/${encodeURIComponent(event.external_subscription_id)}`}>its subscription</Anchor>, invoiced when it closes.</Text>;
    case 'late_pending':
      return <Text size="xs">Arrived after its period was invoiced: billed on the subscription's next invoice.</Text>;
    case 'late_ignored':
      return <Text size="xs" c="dimmed">Arrived after its period was invoiced: not billed (the organization ignores late usage).</Text>;
    case 'not_billed':
      return <Text size="xs" c="dimmed">Not billed: {billing.reason === 'draft_deleted' ? 'its draft invoice was deleted.' : 'no billed period of its subscription covers it.'}</Text>;
  }
}

function SendEvent({ metrics, onRefused }: { metrics: Metric[]; onRefused: (refused: Refused) => void }) {
  const client = useQueryClient();
  const [code, setCode] = useState('');
  const [subscription, setSubscription] = useState('');
  const [transactionId, setTransactionId] = useState('');
  const [properties, setProperties] = useState('{}');
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let props: Record<string, unknown>;
    try {
      props = JSON.parse(properties || '{}') as Record<string, unknown>;
    } catch {
      setResult('Properties must be a JSON object, e.g. {"user_id": "u1"}.');
      return;
    }
    const body = { transaction_id: transactionId.trim() || `console-${crypto.randomUUID()}`, code: code.trim(), external_subscription_id: subscription.trim(), properties: props };
    setBusy(true);
    try {
      await api('POST', '/events', { event: body });
      setResult(`Accepted: ${body.transaction_id}`);
      setTransactionId('');
      await client.invalidateQueries({ queryKey: ['api'] });
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        onRefused({ key: crypto.randomUUID(), at: new Date().toISOString(), body, status: error.status, reasons: error.status === 422 ? error.fieldErrors : { base: [error.body.error ?? 'bad_request'] } });
        setResult(`Refused (${error.status}): see the tail below.`);
      } else setResult((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="send-event">
      <Title order={2} size="h5" id="send-event" mb="xs">Send a test event</Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="xs">
          <Group grow align="flex-start">
            <TextInput label="Metric code" name="event_code" list="metric-codes" required value={code} onChange={(e) => setCode(e.currentTarget.value)} />
            <TextInput label="Subscription external id" name="event_subscription" required value={subscription} onChange={(e) => setSubscription(e.currentTarget.value)} />
            <TextInput label="Transaction id (empty: a new one)" name="event_transaction_id" value={transactionId} onChange={(e) => setTransactionId(e.currentTarget.value)} />
          </Group>
          <datalist id="metric-codes">{metrics.map((metric) => <option key={metric.code} value={metric.code} />)}</datalist>
          <Textarea label="Properties (JSON)" name="event_properties" autosize minRows={1} value={properties} onChange={(e) => setProperties(e.currentTarget.value)} />
          <Group justify="space-between">
            <Text size="sm" aria-live="polite" data-testid="send-result">{result}</Text>
            <Button type="submit" loading={busy}>Send event</Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function EventsPage() {
  const session = useSession();
  const client = useQueryClient();
  const tz = session.organization.timezone;
  const [code, setCode] = useState('');
  const [subscription, setSubscription] = useState('');
  const metrics = useApi<List<'billable_metrics', Metric>>('/billable_metrics?per_page=1000');
  const tail = useApi<List<'events', UsageEvent>>(`/events${qs({ per_page: 50, code: code || undefined, external_subscription_id: subscription.trim() || undefined })}`, { refetchInterval: 2000 });
  const refused = useQuery<Refused[]>({ queryKey: REFUSED_KEY, queryFn: () => [], staleTime: Infinity, gcTime: Infinity }).data ?? [];
  const addRefused = (entry: Refused) => client.setQueryData<Refused[]>(REFUSED_KEY, (current = []) => [entry, ...current].slice(0, 200));
  const shownRefused = refused.filter((entry) => (!code || entry.body.code === code) && (!subscription.trim() || entry.body.external_subscription_id === subscription.trim()));
  type Row = { kind: 'event'; at: string; event: UsageEvent } | { kind: 'refused'; at: string; refused: Refused };
  // The console's own refused sends first (what is being debugged), then the stored events, newest first.
  const rows: Row[] = [
    ...shownRefused.map((entry) => ({ kind: 'refused' as const, at: entry.at, refused: entry })),
    ...(tail.data?.events ?? []).map((event) => ({ kind: 'event' as const, at: event.created_at ?? event.timestamp, event })),
  ];
  return (
    <>
      <PageHeader title="Events debugger" />
      <Stack>
        <SendEvent metrics={metrics.data?.billable_metrics ?? []} onRefused={addRefused} />
        <Group align="flex-end" role="search" aria-label="Filter events">
          <NativeSelect label="Metric" name="filter_code" data={[{ value: '', label: 'All metrics' }, ...(metrics.data?.billable_metrics ?? []).map((m) => ({ value: m.code, label: `${m.name} (${m.code})` }))]} value={code} onChange={(e) => setCode(e.currentTarget.value)} />
          <TextInput label="Subscription external id" name="filter_subscription" value={subscription} onChange={(e) => setSubscription(e.currentTarget.value)} />
          <Text size="xs" c="dimmed">Live: refreshed every 2 s · {tail.isFetching ? 'updating…' : 'up to date'}</Text>
        </Group>
        {tail.isPending && <Loading />}
        {tail.isError && <ErrorState error={tail.error} retry={() => void tail.refetch()} />}
        {tail.data && rows.length === 0 && <Empty title="No event yet">Events your product sends to <code>POST /api/v1/events</code> appear here as they arrive.</Empty>}
        {rows.length > 0 && (
          <Paper withBorder>
            <Table data-testid="event-tail">
              <Table.Thead><Table.Tr><Table.Th>Timestamp</Table.Th><Table.Th>Metric</Table.Th><Table.Th>Subscription</Table.Th><Table.Th>Transaction</Table.Th><Table.Th>Properties</Table.Th><Table.Th>Outcome</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {rows.map((row) => row.kind === 'event' ? (
                  <Table.Tr key={row.event.lago_id} data-testid="event-row">
                    <Table.Td>{dateTime(row.event.timestamp, tz)}</Table.Td>
                    <Table.Td><code>{row.event.code}</code></Table.Td>
                    <Table.Td><Anchor component={Link} to={`/subscriptions/${encodeURIComponent(row.event.external_subscription_id)}`}>{row.event.external_subscription_id}</Anchor></Table.Td>
                    <Table.Td><code>{row.event.transaction_id}</code></Table.Td>
                    <Table.Td><Code>{JSON.stringify(row.event.properties)}</Code></Table.Td>
                    <Table.Td><Badge color="green" variant="light">counted</Badge><BilledWhere event={row.event} /></Table.Td>
                  </Table.Tr>
                ) : (
                  <Table.Tr key={row.refused.key} data-testid="refused-row">
                    <Table.Td>{dateTime(row.refused.at, tz)} <Text span size="xs" c="dimmed">(sent)</Text></Table.Td>
                    <Table.Td><code>{row.refused.body.code}</code></Table.Td>
                    <Table.Td>{row.refused.body.external_subscription_id}</Table.Td>
                    <Table.Td><code>{row.refused.body.transaction_id}</code></Table.Td>
                    <Table.Td><Code>{JSON.stringify(row.refused.body.properties ?? {})}</Code></Table.Td>
                    <Table.Td>
                      <Badge color="red" variant="light">refused ({row.refused.status})</Badge>
                      {Object.entries(row.refused.reasons).map(([field, codes]) => (
                        <Text size="xs" key={field} data-testid="refusal-reason"><code>{field}</code>: {codes.join(', ')} — {codes.map(humanCode).join(' ')}</Text>
                      ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        )}
      </Stack>
    </>
  );
}
