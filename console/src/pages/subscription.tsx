/**
 * A subscription: its plan and periods, the next billing date, plan changes (upgrade/downgrade),
 * termination, the seat history of its recurring (persistent) metrics, and a link to its workflow
 * in the Temporal UI.
 */
import { useState } from 'react';
import { Alert, Anchor, Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import { dateTime, dayOf, money } from '../lib/format';
import type { Customer, List, Metric, Plan, Subscription, UsageEvent } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { ErrorState, Loading, QueryView } from '../components/states';
import { ConfirmButton, FormAlert, FormErrors } from '../components/forms';
import { StatusBadge } from '../components/StatusBadge';
import { nextBillingInstant } from './customer';

interface SeatStretch { value: string; addedAt: string; removedAt: string | null }

/** Each seat's stretches, from its add/remove events in time order. */
export function seatStretches(events: UsageEvent[], field: string): SeatStretch[] {
  const open = new Map<string, SeatStretch>();
  const done: SeatStretch[] = [];
  for (const event of [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
    const value = event.properties[field];
    if (value === undefined || value === null) continue;
    const key = String(value);
    const removing = String(event.properties.operation_type ?? 'add') === 'remove';
    const current = open.get(key);
    if (removing) {
      if (current) {
        current.removedAt = event.timestamp;
        done.push(current);
        open.delete(key);
      }
    } else if (!current) {
      open.set(key, { value: key, addedAt: event.timestamp, removedAt: null });
    }
  }
  return [...done, ...open.values()].sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.value.localeCompare(b.value));
}

function SeatHistory({ subscription, metric, timeZone }: { subscription: Subscription; metric: Metric; timeZone: string }) {
  const events = useApi<List<'events', UsageEvent>>(`/events${qs({ external_subscription_id: subscription.external_id, code: metric.code, per_page: 1000 })}`, { refetchInterval: 5000 });
  const field = metric.field_name ?? '';
  return (
    <Paper withBorder p="md" component="section" aria-label={`Seat history of ${metric.code}`}>
      <Title order={2} size="h4" mb="xs">Seat history · {metric.name}</Title>
      <QueryView query={events} empty={(data) => data.events.length === 0 && <Text size="sm" c="dimmed">No {metric.code} event yet.</Text>}>
        {(data) => {
          const stretches = seatStretches(data.events, field);
          return (
            <Table data-testid={`seat-history-${metric.code}`}>
              <Table.Thead><Table.Tr><Table.Th>{field}</Table.Th><Table.Th>Added</Table.Th><Table.Th>Removed</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {stretches.map((stretch, index) => (
                  <Table.Tr key={`${stretch.value}-${index}`}>
                    <Table.Td><code>{stretch.value}</code></Table.Td>
                    <Table.Td>{dateTime(stretch.addedAt, timeZone)}</Table.Td>
                    <Table.Td>{stretch.removedAt ? dateTime(stretch.removedAt, timeZone) : 'still active'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          );
        }}
      </QueryView>
      <Text size="xs" c="dimmed" mt="xs">The days billed for each seat are on each invoice’s fee.</Text>
    </Paper>
  );
}

function ChangePlan({ subscription }: { subscription: Subscription }) {
  const plans = useApi<List<'plans', Plan>>('/plans?per_page=1000');
  const [target, setTarget] = useState('');
  const change = useApiMutation<{ subscription: Subscription }, string>('POST', '/subscriptions', (planCode) => ({
    subscription: { external_customer_id: subscription.external_customer_id, external_id: subscription.external_id, plan_code: planCode, name: subscription.name },
  }));
  const errors = FormErrors.from(change.error);
  if (!plans.data) return null;
  const others = plans.data.plans.filter((plan) => plan.code !== subscription.plan_code);
  if (others.length === 0) return <Text size="sm" c="dimmed">No other plan to move to.</Text>;
  const chosen = target || others[0]!.code;
  const current = plans.data.plans.find((plan) => plan.code === subscription.plan_code);
  const next = others.find((plan) => plan.code === chosen);
  const direction = current && next ? (next.amount_cents >= current.amount_cents ? 'Upgrade (at once, prorated)' : 'Downgrade (at the end of the period)') : 'Change plan';
  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <NativeSelect label="Move to plan" name="change_plan" data={others.map((plan) => ({ value: plan.code, label: `${plan.name} (${money(plan.amount_cents, plan.amount_currency)} ${plan.interval})` }))} value={chosen} onChange={(e) => setTarget(e.currentTarget.value)} error={errors.field('plan_code')} />
        <ConfirmButton label={direction.split(' ')[0]!} color="indigo" title={`${direction}?`} loading={change.isPending} onConfirm={() => change.mutateAsync(chosen).catch(() => undefined)}>
          {subscription.external_id} moves from {subscription.plan_code} to {chosen}. {direction}.
        </ConfirmButton>
      </Group>
      <FormAlert errors={errors} />
    </Stack>
  );
}

export function SubscriptionPage() {
  const { externalId = '' } = useParams();
  const session = useSession();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const query = useApi<{ subscription: Subscription }>(`/subscriptions/${encodeURIComponent(externalId)}${qs({ status })}`, { refetchInterval: 5000 });
  const metrics = useApi<List<'billable_metrics', Metric>>('/billable_metrics?per_page=1000');
  const terminate = useApiMutation<{ subscription: Subscription }, void>('DELETE', `/subscriptions/${encodeURIComponent(externalId)}`, () => undefined);
  const customerId = query.data?.subscription.external_customer_id;
  const customer = useApi<{ customer: Customer }>(customerId ? `/customers/${encodeURIComponent(customerId)}` : null);
  // The subscription's own plan object carries no charges: the plan, with them, by its code.
  const planCode = query.data?.subscription.plan_code;
  const planQuery = useApi<{ plan: Plan }>(planCode ? `/plans/${encodeURIComponent(planCode)}` : null);
  if (query.isPending) return <Loading />;
  if (query.isError) {
    // A terminated subscription is no longer "active", the list's default.
    if (query.error.status === 404 && status === undefined) {
      return <ErrorState error={query.error} retry={() => setStatus('terminated')} />;
    }
    return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  }
  const s = query.data.subscription;
  const tz = customer.data?.customer.applicable_timezone ?? 'UTC';
  const plan = planQuery.data?.plan ?? s.plan;
  const recurring = (metrics.data?.billable_metrics ?? []).filter((m) => m.recurring && (plan?.charges ?? []).some((c) => c.billable_metric_code === m.code));
  const workflowId = `subscription/${session.organization.lago_id}/${s.external_id}`;
  return (
    <>
      <PageHeader
        title={`Subscription ${s.name || s.external_id}`}
        trail={[['/customers', 'Customers'], [`/customers/${encodeURIComponent(s.external_customer_id)}`, s.external_customer_id]]}
        actions={s.status === 'active' || s.status === 'pending' ? (
          <ConfirmButton label="Terminate" title={`Terminate ${s.external_id}?`} loading={terminate.isPending} onConfirm={() => terminate.mutateAsync(undefined).then(() => setStatus('terminated'))}>
            The subscription ends now: its last period is invoiced (and a plan paid in advance is credited for the unused days). This cannot be undone.
          </ConfirmButton>
        ) : undefined}
      />
      <Stack>
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <div><Text size="xs" c="dimmed">Customer</Text><Anchor component={Link} to={`/customers/${encodeURIComponent(s.external_customer_id)}`}>{s.external_customer_id}</Anchor></div>
            <div><Text size="xs" c="dimmed">Plan</Text><Anchor component={Link} to={`/plans/${encodeURIComponent(s.plan_code)}`}>{plan?.name ?? s.plan_code}</Anchor>{plan && <Text size="sm">{money(plan.amount_cents, plan.amount_currency)} {plan.interval}, {plan.pay_in_advance ? 'in advance' : 'in arrears'}</Text>}</div>
            <div><Text size="xs" c="dimmed">Status</Text><StatusBadge status={s.status} /></div>
            <div><Text size="xs" c="dimmed">Billing time</Text><Text>{s.billing_time}</Text></div>
            <div><Text size="xs" c="dimmed">Started</Text><Text>{dayOf(s.started_at ?? s.subscription_at, tz)}</Text></div>
            <div><Text size="xs" c="dimmed">Current period</Text><Text>{s.current_billing_period_started_at ? `${dayOf(s.current_billing_period_started_at, tz)} – ${dayOf(s.current_billing_period_ending_at, tz)}` : '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Next billing date</Text><Text data-testid="next-billing-date">{s.status === 'active' ? dayOf(nextBillingInstant(s), tz) : '—'}</Text></div>
            <div><Text size="xs" c="dimmed">{s.terminated_at ? 'Terminated' : 'Ends'}</Text><Text>{dayOf(s.terminated_at ?? s.ending_at, tz)}</Text></div>
          </SimpleGrid>
          {s.next_plan_code && <Alert mt="sm" color="blue">Moves to plan {s.next_plan_code} on {dayOf(s.downgrade_plan_date, tz)}.</Alert>}
          {s.previous_plan_code && <Text size="sm" mt="sm">Previously on plan <Anchor component={Link} to={`/plans/${encodeURIComponent(s.previous_plan_code)}`}>{s.previous_plan_code}</Anchor>.</Text>}
        </Paper>
        <Paper withBorder p="md" component="section" aria-label="Workflow">
          <Title order={2} size="h4" mb="xs">Workflow</Title>
          {session.temporal_ui_url ? (
            <Anchor href={`${session.temporal_ui_url}/namespaces/${encodeURIComponent(session.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`} target="_blank" rel="noreferrer">
              Open {workflowId} in the Temporal UI
            </Anchor>
          ) : (
            <Text size="sm">Workflow <code>{workflowId}</code>. {session.sandbox ? 'The sandbox’s time-skipping server has no Temporal UI.' : 'No Temporal UI is configured (BILLOW_TEMPORAL_UI_URL).'}</Text>
          )}
        </Paper>
        {s.status === 'active' && (
          <Paper withBorder p="md" component="section" aria-label="Change plan">
            <Title order={2} size="h4" mb="xs">Change plan</Title>
            <ChangePlan subscription={s} />
          </Paper>
        )}
        {recurring.map((metric) => <SeatHistory key={metric.code} subscription={s} metric={metric} timeZone={tz} />)}
      </Stack>
    </>
  );
}
