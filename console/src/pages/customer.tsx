/**
 * A customer: their details, subscriptions (assign a plan), live current usage per charge with
 * the tier breakdown, invoices (paginated), credit notes, wallets and applied coupons.
 */
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Grid, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { qs } from '../lib/api';
import { customerInvoicesPath, customerPath, customerSubscriptionsPath } from '../lib/customer-paths';
import { useApi, useApiMutation } from '../lib/query';
import { calendarDate, dayOf, money } from '../lib/format';
import type { AppliedCoupon, CreditNote, Customer, Invoice, List, Plan, Subscription, Wallet } from '../lib/types';
import { PageHeader } from '../components/PageHeader';
import { Empty, ErrorState, Loading, QueryView } from '../components/states';
import { ConfirmButton, FormAlert, FormErrors } from '../components/forms';
import { Paged } from '../components/Paged';
import { StatusBadge } from '../components/StatusBadge';
import { UsageCard } from '../components/UsageCard';

/** The day after a period's last instant: when its invoice is issued. */
export function nextBillingInstant(subscription: Subscription): string | null {
  if (!subscription.current_billing_period_ending_at) return null;
  return new Date(new Date(subscription.current_billing_period_ending_at).getTime() + 1000).toISOString();
}

function AssignPlan({ customer, onDone }: { customer: Customer; onDone: () => void }) {
  const plans = useApi<List<'plans', Plan>>('/plans?per_page=1000');
  const [planCode, setPlanCode] = useState('');
  const [externalId, setExternalId] = useState('');
  const [name, setName] = useState('');
  const [billingTime, setBillingTime] = useState('anniversary');
  const [start, setStart] = useState('');
  const create = useApiMutation<{ subscription: Subscription }, void>('POST', '/subscriptions', () => ({
    subscription: {
      external_customer_id: customer.external_id,
      plan_code: planCode || plans.data?.plans[0]?.code || '',
      external_id: externalId.trim(),
      name: name.trim() || null,
      billing_time: billingTime,
      ...(start ? { subscription_at: `${start}T00:00:00Z` } : {}),
    },
  }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: onDone });
  };
  if (plans.isPending) return <Loading />;
  if (plans.isError) return <ErrorState error={plans.error} />;
  if (plans.data.plans.length === 0) return <Empty title="No plan yet"><Anchor component={Link} to="/plans/new">Create a plan</Anchor> first.</Empty>;
  return (
    <form onSubmit={submit} noValidate aria-label="Assign a plan">
      <Stack>
        <NativeSelect label="Plan" name="plan_code" data={plans.data.plans.map((plan) => ({ value: plan.code, label: `${plan.name} (${plan.code}) · ${money(plan.amount_cents, plan.amount_currency)} ${plan.interval}` }))} value={planCode || plans.data.plans[0]!.code} onChange={(e) => setPlanCode(e.currentTarget.value)} error={errors.field('plan_code')} />
        <TextInput label="Subscription external id" name="external_id" required description="Your id for this subscription; events name it." value={externalId} onChange={(e) => setExternalId(e.currentTarget.value)} error={errors.field('external_id')} />
        <TextInput label="Name" name="subscription_name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.field('name')} />
        <NativeSelect label="Billing time" name="billing_time" data={[{ value: 'anniversary', label: 'Anniversary (periods start on the subscription’s day)' }, { value: 'calendar', label: 'Calendar (periods start on the 1st)' }]} value={billingTime} onChange={(e) => setBillingTime(e.currentTarget.value)} error={errors.field('billing_time')} />
        <TextInput type="date" label="Start date (empty: now)" name="subscription_at" value={start} onChange={(e) => setStart(e.currentTarget.value)} error={errors.field('subscription_at')} />
        <FormAlert errors={errors} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>Assign plan</Button></Group>
      </Stack>
    </form>
  );
}

function Invoices({ customer }: { customer: Customer }) {
  const [page, setPage] = useState(1);
  const query = useApi<List<'invoices', Invoice>>(customerInvoicesPath(customer.external_id, page), { refetchInterval: 5000 });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="customer-invoices">
      <Title order={2} size="h4" id="customer-invoices" mb="xs">Invoices</Title>
      <QueryView query={query} empty={(data) => data.invoices.length === 0 && <Empty title="No invoice yet">Invoices appear when a period closes (or at once for a plan billed in advance).</Empty>}>
        {(data) => (
          <>
            <Table striped highlightOnHover data-testid="customer-invoices">
              <Table.Thead><Table.Tr><Table.Th>Number</Table.Th><Table.Th>Issued</Table.Th><Table.Th>Type</Table.Th><Table.Th>Status</Table.Th><Table.Th className="num">Total</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.invoices.map((invoice) => (
                  <Table.Tr key={invoice.lago_id}>
                    <Table.Td><Anchor component={Link} to={`/invoices/${invoice.lago_id}`}>{invoice.number}</Anchor></Table.Td>
                    <Table.Td>{calendarDate(invoice.issuing_date)}</Table.Td>
                    <Table.Td>{invoice.invoice_type}</Table.Td>
                    <Table.Td><StatusBadge status={invoice.status} /></Table.Td>
                    <Table.Td className="num">{money(invoice.total_amount_cents, invoice.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="invoice" />
          </>
        )}
      </QueryView>
    </Paper>
  );
}

function SmallList<T>({ title, path, root, empty, columns }: {
  title: string; path: string; root: string; empty: string; columns: [string, (item: T) => React.ReactNode][];
}) {
  const query = useApi<Record<string, T[]>>(path);
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="xs">{title}</Title>
      <QueryView query={query} empty={(data) => (data[root] ?? []).length === 0 && <Text size="sm" c="dimmed">{empty}</Text>}>
        {(data) => (
          <Table>
            <Table.Thead><Table.Tr>{columns.map(([label]) => <Table.Th key={label}>{label}</Table.Th>)}</Table.Tr></Table.Thead>
            <Table.Tbody>
              {(data[root] ?? []).map((item, index) => <Table.Tr key={index}>{columns.map(([label, cell]) => <Table.Td key={label}>{cell(item)}</Table.Td>)}</Table.Tr>)}
            </Table.Tbody>
          </Table>
        )}
      </QueryView>
    </Paper>
  );
}

export function CustomerPage() {
  const { externalId = '' } = useParams();
  const navigate = useNavigate();
  const [assigning, setAssigning] = useState(false);
  const customer = useApi<{ customer: Customer }>(customerPath(externalId));
  const subscriptions = useApi<List<'subscriptions', Subscription>>(customerSubscriptionsPath(externalId), { refetchInterval: 5000 });
  // The first page of invoices is asked beside the customer, not after it (the same cache entry the list reads).
  useApi<List<'invoices', Invoice>>(customerInvoicesPath(externalId, 1), { refetchInterval: 5000 });
  const remove = useApiMutation<unknown, void>('DELETE', customerPath(externalId), () => undefined);
  if (customer.isPending) return <Loading />;
  if (customer.isError) return <ErrorState error={customer.error} retry={() => void customer.refetch()} />;
  const c = customer.data.customer;
  const tz = c.applicable_timezone;
  const active = (subscriptions.data?.subscriptions ?? []).filter((s) => s.status === 'active');
  return (
    <>
      <PageHeader
        title={c.name || c.external_id}
        trail={[['/customers', 'Customers']]}
        actions={
          <>
            <Button variant="default" component={Link} to={`/customers/${encodeURIComponent(externalId)}/edit`}>Edit</Button>
            <ConfirmButton label="Delete customer" title={`Delete ${c.external_id}?`} loading={remove.isPending} onConfirm={() => remove.mutateAsync(undefined).then(() => navigate('/customers'))}>
              This deletes the customer and terminates their subscriptions. Their invoices stay.
            </ConfirmButton>
          </>
        }
      />
      <Stack>
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <div><Text size="xs" c="dimmed">External id</Text><Text><code>{c.external_id}</code></Text></div>
            <div><Text size="xs" c="dimmed">Currency</Text><Text>{c.currency ?? '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Timezone</Text><Text data-testid="customer-timezone">{tz}</Text></div>
            <div><Text size="xs" c="dimmed">Taxes</Text><Text>{c.taxes.map((tax) => `${tax.name} (${tax.rate}%)`).join(', ') || 'none'}</Text></div>
            <div><Text size="xs" c="dimmed">Email</Text><Text>{c.email ?? '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Billing</Text><Text>{[c.legal_name, c.address_line1, c.zipcode, c.city, c.country].filter(Boolean).join(', ') || '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Payment provider</Text><Text>{c.billing_configuration?.payment_provider ?? 'none'}</Text></div>
            <div><Text size="xs" c="dimmed">Customer since</Text><Text>{dayOf(c.created_at, tz)}</Text></div>
          </SimpleGrid>
        </Paper>

        <Paper withBorder p="md" component="section" aria-labelledby="customer-subscriptions">
          <Group justify="space-between" mb="xs">
            <Title order={2} size="h4" id="customer-subscriptions">Subscriptions</Title>
            <Button size="xs" onClick={() => setAssigning(true)}>Assign a plan</Button>
          </Group>
          <QueryView query={subscriptions} empty={(data) => data.subscriptions.length === 0 && <Text size="sm" c="dimmed">No subscription. Assign a plan to start billing.</Text>}>
            {(data) => (
              <Table data-testid="customer-subscriptions">
                <Table.Thead><Table.Tr><Table.Th>Subscription</Table.Th><Table.Th>Plan</Table.Th><Table.Th>Status</Table.Th><Table.Th>Started</Table.Th><Table.Th>Current period</Table.Th><Table.Th>Next invoice</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {data.subscriptions.map((s) => (
                    <Table.Tr key={s.lago_id}>
                      <Table.Td><Anchor component={Link} to={`/subscriptions/${encodeURIComponent(s.external_id)}`}>{s.name || s.external_id}</Anchor></Table.Td>
                      <Table.Td><Anchor component={Link} to={`/plans/${encodeURIComponent(s.plan_code)}`}>{s.plan_code}</Anchor></Table.Td>
                      <Table.Td><StatusBadge status={s.status} /></Table.Td>
                      <Table.Td>{dayOf(s.started_at ?? s.subscription_at, tz)}</Table.Td>
                      <Table.Td>{s.current_billing_period_started_at ? `${dayOf(s.current_billing_period_started_at, tz)} – ${dayOf(s.current_billing_period_ending_at, tz)}` : '—'}</Table.Td>
                      <Table.Td>{s.status === 'active' ? dayOf(nextBillingInstant(s), tz) : '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </QueryView>
        </Paper>

        {active.map((s) => <UsageCard key={s.lago_id} customerId={c.external_id} subscription={s} timeZone={tz} />)}

        <Invoices customer={c} />

        <Grid>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <SmallList<CreditNote>
              title="Credit notes"
              path={`/credit_notes${qs({ external_customer_id: c.external_id, per_page: 20 })}`}
              root="credit_notes"
              empty="No credit note."
              columns={[
                ['Number', (note) => <Anchor component={Link} to={`/invoices/${note.lago_invoice_id}`}>{note.number}</Anchor>],
                ['Issued', (note) => calendarDate(note.issuing_date)],
                ['Total', (note) => money(note.total_amount_cents, note.currency)],
              ]}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <SmallList<Wallet>
              title="Wallets"
              path={`/wallets${qs({ external_customer_id: c.external_id, per_page: 20 })}`}
              root="wallets"
              empty="No wallet."
              columns={[
                ['Wallet', (wallet) => wallet.name ?? wallet.lago_id.slice(0, 8)],
                ['Status', (wallet) => <StatusBadge status={wallet.status} />],
                ['Balance', (wallet) => money(wallet.balance_cents, wallet.currency)],
              ]}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <SmallList<AppliedCoupon>
              title="Applied coupons"
              path={`/customers/${encodeURIComponent(c.external_id)}/applied_coupons${qs({ per_page: 20 })}`}
              root="applied_coupons"
              empty="No coupon applied."
              columns={[
                ['Coupon', (coupon) => <Anchor component={Link} to="/coupons">{coupon.coupon_name}</Anchor>],
                ['Status', (coupon) => <StatusBadge status={coupon.status} />],
                ['Value', (coupon) => (coupon.percentage_rate ? `${coupon.percentage_rate}%` : money(coupon.amount_cents, coupon.amount_currency))],
              ]}
            />
          </Grid.Col>
        </Grid>
        <Text size="xs" c="dimmed">Dates are shown in the customer’s timezone ({tz}).</Text>
      </Stack>
      <Modal opened={assigning} onClose={() => setAssigning(false)} title={`Assign a plan to ${c.name || c.external_id}`} size="lg">
        <AssignPlan customer={c} onDone={() => setAssigning(false)} />
      </Modal>
    </>
  );
}
