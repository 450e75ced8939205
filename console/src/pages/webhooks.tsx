/** Webhooks: endpoints (add, remove), the webhooks sent with their attempts and status, retry. */
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import { dateTime } from '../lib/format';
import type { Delivery, List, Webhook, WebhookEndpoint } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { ConfirmButton, FormAlert, FormErrors } from '../components/forms';
import { Paged } from '../components/Paged';
import { StatusBadge } from '../components/StatusBadge';

function NewEndpoint() {
  const [url, setUrl] = useState('');
  const [algo, setAlgo] = useState('hmac');
  const create = useApiMutation<{ webhook_endpoint: WebhookEndpoint }, void>('POST', '/webhook_endpoints', () => ({ webhook_endpoint: { webhook_url: url.trim(), signature_algo: algo } }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => setUrl('') });
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a webhook endpoint">
      <Group align="flex-start">
        <TextInput label="Endpoint URL" name="webhook_url" w={420} value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={errors.field('webhook_url')} />
        <NativeSelect label="Signature" name="signature_algo" data={[{ value: 'hmac', label: 'HMAC (X-Lago-Signature)' }, { value: 'jwt', label: 'JWT (RS256)' }]} value={algo} onChange={(e) => setAlgo(e.currentTarget.value)} error={errors.field('signature_algo')} />
        <Button type="submit" mt={25} loading={create.isPending}>Add endpoint</Button>
      </Group>
      <FormAlert errors={errors} />
    </form>
  );
}

function Deliveries({ endpoint, timeZone }: { endpoint: WebhookEndpoint; timeZone: string }) {
  const query = useApi<List<'webhook_deliveries', Delivery>>(`/webhook_endpoints/${endpoint.lago_id}/deliveries?per_page=20`, { refetchInterval: 5000 });
  return (
    <QueryView query={query} empty={(data) => data.webhook_deliveries.length === 0 && <Text size="sm" c="dimmed">Nothing delivered yet.</Text>}>
      {(data) => (
        <Table fz="sm">
          <Table.Thead><Table.Tr><Table.Th>Started</Table.Th><Table.Th>Attempt</Table.Th><Table.Th>Trigger</Table.Th><Table.Th>HTTP</Table.Th><Table.Th>Error</Table.Th><Table.Th className="num">ms</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {data.webhook_deliveries.map((delivery) => (
              <Table.Tr key={delivery.lago_id}>
                <Table.Td>{dateTime(delivery.started_at, timeZone)}</Table.Td>
                <Table.Td>{delivery.attempt}</Table.Td>
                <Table.Td>{delivery.trigger}</Table.Td>
                <Table.Td>{delivery.http_status ?? '—'}</Table.Td>
                <Table.Td>{delivery.error ?? '—'}</Table.Td>
                <Table.Td className="num">{delivery.duration_ms ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryView>
  );
}

function Attempts({ webhook, timeZone }: { webhook: Webhook; timeZone: string }) {
  const query = useApi<{ webhook: Webhook }>(`/webhooks/${webhook.lago_id}`);
  const attempts = query.data?.webhook.attempts ?? [];
  if (!query.data) return <Text size="xs" c="dimmed">Loading attempts…</Text>;
  if (attempts.length === 0) return <Text size="xs" c="dimmed">No attempt yet.</Text>;
  return (
    <Stack gap={0}>
      {attempts.map((attempt) => (
        <Text size="xs" key={attempt.lago_id}>#{attempt.attempt} {dateTime(attempt.started_at, timeZone)} · {attempt.http_status ?? 'no answer'}{attempt.error ? ` · ${attempt.error}` : ''}</Text>
      ))}
    </Stack>
  );
}

function Sent({ timeZone }: { timeZone: string }) {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const query = useApi<List<'webhooks', Webhook>>(`/webhooks${qs({ page, per_page: 50, status: status || undefined })}`, { refetchInterval: 5000 });
  const retry = useApiMutation<{ webhook: Webhook }, string>('POST', (id) => `/webhooks/${id}/retry`, () => undefined);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="webhooks-sent">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="webhooks-sent">Webhooks sent</Title>
        <NativeSelect aria-label="Webhook status" data={[{ value: '', label: 'Any status' }, 'pending', 'retrying', 'succeeded', 'failed']} value={status} onChange={(e) => { setStatus(e.currentTarget.value); setPage(1); }} />
      </Group>
      <QueryView query={query} empty={(data) => data.webhooks.length === 0 && <Empty title="No webhook sent">Webhooks are sent to your endpoints as invoices, subscriptions and events change.</Empty>}>
        {(data) => (
          <>
            <Table>
              <Table.Thead><Table.Tr><Table.Th>Created</Table.Th><Table.Th>Type</Table.Th><Table.Th>Endpoint</Table.Th><Table.Th>Status</Table.Th><Table.Th>Attempts</Table.Th><Table.Th><span className="visually-hidden">Actions</span></Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.webhooks.map((webhook) => (
                  <Table.Tr key={webhook.lago_id}>
                    <Table.Td>{dateTime(webhook.created_at, timeZone)}</Table.Td>
                    <Table.Td><code>{webhook.webhook_type}</code></Table.Td>
                    <Table.Td>{webhook.webhook_url}</Table.Td>
                    <Table.Td><StatusBadge status={webhook.status} />{webhook.last_error && <Text size="xs" c="red">{webhook.last_error}</Text>}</Table.Td>
                    <Table.Td>
                      {open === webhook.lago_id ? <Attempts webhook={webhook} timeZone={timeZone} /> : <Anchor component="button" type="button" size="sm" onClick={() => setOpen(webhook.lago_id)}>{webhook.retries + 1} · show</Anchor>}
                    </Table.Td>
                    <Table.Td>{webhook.status !== 'succeeded' && <Button size="xs" variant="light" loading={retry.isPending && retry.variables === webhook.lago_id} onClick={() => retry.mutate(webhook.lago_id)}>Retry now</Button>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="webhook" />
          </>
        )}
      </QueryView>
    </Paper>
  );
}

export function WebhooksPage() {
  const session = useSession();
  const tz = session.organization.timezone;
  const endpoints = useApi<List<'webhook_endpoints', WebhookEndpoint>>('/webhook_endpoints?per_page=100');
  const remove = useApiMutation<unknown, string>('DELETE', (id) => `/webhook_endpoints/${id}`, () => undefined);
  return (
    <>
      <PageHeader title="Webhooks" />
      <Stack>
        <Paper withBorder p="md" component="section" aria-labelledby="endpoints">
          <Title order={2} size="h4" id="endpoints" mb="xs">Endpoints</Title>
          <NewEndpoint />
          <QueryView query={endpoints} empty={(data) => data.webhook_endpoints.length === 0 && <Text size="sm" c="dimmed" mt="sm">No endpoint: Billow sends no webhook.</Text>}>
            {(data) => (
              <Stack mt="md">
                {data.webhook_endpoints.map((endpoint) => (
                  <Paper key={endpoint.lago_id} withBorder p="sm">
                    <Group justify="space-between">
                      <Text fw={600}>{endpoint.webhook_url} <Text span size="xs" c="dimmed">({endpoint.signature_algo})</Text></Text>
                      <ConfirmButton label="Remove" title={`Remove ${endpoint.webhook_url}?`} onConfirm={() => remove.mutateAsync(endpoint.lago_id)}>No more webhook will be sent to this endpoint.</ConfirmButton>
                    </Group>
                    <Title order={3} size="h6" mt="xs">Deliveries</Title>
                    <Deliveries endpoint={endpoint} timeZone={tz} />
                  </Paper>
                ))}
              </Stack>
            )}
          </QueryView>
        </Paper>
        <Sent timeZone={tz} />
      </Stack>
    </>
  );
}
