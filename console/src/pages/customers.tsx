/** Customers: list with search, create and edit (currency, timezone, tax codes, billing details). */
import { useEffect, useState, type FormEvent } from 'react';
import { Anchor, Button, Checkbox, Fieldset, Group, NativeSelect, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link, useNavigate, useParams } from 'react-router';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import { calendarDate, timeZones } from '../lib/format';
import type { Customer, List, Tax } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { FormAlert, FormErrors } from '../components/forms';
import { Paged } from '../components/Paged';

export function CustomersPage() {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [term] = useDebouncedValue(search, 250);
  const query = useApi<List<'customers', Customer>>(`/customers${qs({ page, per_page: 50, search_term: term.trim() || undefined })}`);
  return (
    <>
      <PageHeader title="Customers" actions={<Button component={Link} to="/customers/new">New customer</Button>} />
      <TextInput
        type="search"
        label="Search customers"
        name="search"
        placeholder="Name, email or external id"
        value={search}
        onChange={(e) => { setSearch(e.currentTarget.value); setPage(1); }}
        mb="sm"
        maw={420}
      />
      <QueryView
        query={query}
        empty={(data) => data.customers.length === 0 && (term
          ? <Empty title="No customer matches">Nothing matches “{term}”.</Empty>
          : <Empty title="No customer yet"><Anchor component={Link} to="/customers/new">Create your first customer</Anchor>, or send one with the API.</Empty>)}
      >
        {(data) => (
          <Paper withBorder>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr><Table.Th>Customer</Table.Th><Table.Th>External id</Table.Th><Table.Th>Email</Table.Th><Table.Th>Currency</Table.Th><Table.Th>Timezone</Table.Th><Table.Th>Created</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.customers.map((customer) => (
                  <Table.Tr key={customer.lago_id}>
                    <Table.Td><Anchor component={Link} to={`/customers/${encodeURIComponent(customer.external_id)}`}>{customer.name || customer.external_id}</Anchor></Table.Td>
                    <Table.Td><code>{customer.external_id}</code></Table.Td>
                    <Table.Td>{customer.email ?? '—'}</Table.Td>
                    <Table.Td>{customer.currency ?? '—'}</Table.Td>
                    <Table.Td>{customer.applicable_timezone}</Table.Td>
                    <Table.Td>{calendarDate(customer.created_at.slice(0, 10))}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="customer" />
          </Paper>
        )}
      </QueryView>
    </>
  );
}

interface CustomerDraft {
  external_id: string; name: string; email: string; currency: string; timezone: string; tax_codes: string[];
  legal_name: string; tax_identification_number: string; address_line1: string; address_line2: string; city: string; zipcode: string;
  state: string; country: string; net_payment_term: string; payment_provider: string; provider_customer_id: string;
}

const EMPTY: CustomerDraft = {
  external_id: '', name: '', email: '', currency: '', timezone: 'UTC', tax_codes: [], legal_name: '', tax_identification_number: '',
  address_line1: '', address_line2: '', city: '', zipcode: '', state: '', country: '', net_payment_term: '', payment_provider: '', provider_customer_id: '',
};

function draftOf(customer: Customer): CustomerDraft {
  const s = (value: string | null | undefined) => value ?? '';
  return {
    external_id: customer.external_id, name: s(customer.name), email: s(customer.email), currency: s(customer.currency), timezone: s(customer.timezone),
    tax_codes: customer.taxes.map((tax) => tax.code), legal_name: s(customer.legal_name), tax_identification_number: s(customer.tax_identification_number),
    address_line1: s(customer.address_line1), address_line2: s(customer.address_line2), city: s(customer.city), zipcode: s(customer.zipcode),
    state: s(customer.state), country: s(customer.country), net_payment_term: customer.net_payment_term === null ? '' : String(customer.net_payment_term),
    payment_provider: s(customer.billing_configuration?.payment_provider), provider_customer_id: s(customer.billing_configuration?.provider_customer_id),
  };
}

function bodyOf(draft: CustomerDraft) {
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  const term = draft.net_payment_term.trim();
  return {
    customer: {
      external_id: draft.external_id.trim(), name: text(draft.name), email: text(draft.email), currency: text(draft.currency.toUpperCase()),
      timezone: text(draft.timezone), tax_codes: draft.tax_codes, legal_name: text(draft.legal_name),
      tax_identification_number: text(draft.tax_identification_number), address_line1: text(draft.address_line1), address_line2: text(draft.address_line2),
      city: text(draft.city), zipcode: text(draft.zipcode), state: text(draft.state), country: text(draft.country),
      net_payment_term: term === '' ? null : Number.isFinite(Number(term)) ? Number(term) : term,
      billing_configuration: draft.payment_provider ? { payment_provider: draft.payment_provider, provider_customer_id: text(draft.provider_customer_id) } : { payment_provider: null },
    },
  };
}

export function CustomerFormPage() {
  const { externalId } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const existing = useApi<{ customer: Customer }>(externalId ? `/customers/${encodeURIComponent(externalId)}` : null);
  const taxes = useApi<List<'taxes', Tax>>('/taxes?per_page=1000');
  const [draft, setDraft] = useState<CustomerDraft>({ ...EMPTY, currency: session.organization.default_currency });
  useEffect(() => {
    if (existing.data) setDraft(draftOf(existing.data.customer));
  }, [existing.data]);
  // Customers are upserted by external_id (Lago): create and edit are the same call.
  const save = useApiMutation<{ customer: Customer }, CustomerDraft>('POST', '/customers', bodyOf);
  const errors = FormErrors.from(save.error);
  const set = <K extends keyof CustomerDraft>(key: K, value: CustomerDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(draft, { onSuccess: (data) => navigate(`/customers/${encodeURIComponent(data.customer.external_id)}`) });
  };
  if (externalId && (existing.isPending || existing.isError)) return <QueryView query={existing}>{() => null}</QueryView>;
  const zones = timeZones();
  return (
    <>
      <PageHeader title={externalId ? `Edit customer ${externalId}` : 'New customer'} trail={[['/customers', 'Customers'], ...(externalId ? [[`/customers/${encodeURIComponent(externalId)}`, externalId] as [string, string]] : [])]} />
      <form onSubmit={submit} noValidate>
        <Stack maw={820}>
          <Paper withBorder p="md">
            <Stack>
              <Group grow align="flex-start">
                <TextInput label="External id" name="external_id" required disabled={Boolean(externalId)} description="Your system’s id for this customer." value={draft.external_id} onChange={(e) => set('external_id', e.currentTarget.value)} error={errors.field('external_id')} />
                <TextInput label="Name" name="name" value={draft.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.field('name')} />
              </Group>
              <Group grow align="flex-start">
                <TextInput label="Email" name="email" type="email" value={draft.email} onChange={(e) => set('email', e.currentTarget.value)} error={errors.field('email')} />
                <TextInput label="Currency" name="currency" maxLength={3} description="ISO 4217, e.g. USD, EUR" value={draft.currency} onChange={(e) => set('currency', e.currentTarget.value.toUpperCase())} error={errors.field('currency')} />
                <NativeSelect label="Timezone" name="timezone" data={zones} value={draft.timezone || 'UTC'} onChange={(e) => set('timezone', e.currentTarget.value)} error={errors.field('timezone')} />
              </Group>
              <Checkbox.Group label="Taxes" value={draft.tax_codes} onChange={(value) => set('tax_codes', value)} error={errors.field('tax_codes')}>
                <Group mt={4}>
                  {(taxes.data?.taxes ?? []).length === 0 && <Text size="sm" c="dimmed">No tax defined (<Anchor component={Link} to="/taxes">add one</Anchor>).</Text>}
                  {(taxes.data?.taxes ?? []).map((tax) => <Checkbox key={tax.code} value={tax.code} name={`tax.${tax.code}`} label={`${tax.name} (${tax.rate}%)`} />)}
                </Group>
              </Checkbox.Group>
            </Stack>
          </Paper>
          <Fieldset legend="Billing details">
            <Stack>
              <Group grow align="flex-start">
                <TextInput label="Legal name" value={draft.legal_name} onChange={(e) => set('legal_name', e.currentTarget.value)} error={errors.field('legal_name')} />
                <TextInput label="Tax identification number" value={draft.tax_identification_number} onChange={(e) => set('tax_identification_number', e.currentTarget.value)} error={errors.field('tax_identification_number')} />
              </Group>
              <Group grow align="flex-start">
                <TextInput label="Address" value={draft.address_line1} onChange={(e) => set('address_line1', e.currentTarget.value)} error={errors.field('address_line1')} />
                <TextInput label="Address (line 2)" value={draft.address_line2} onChange={(e) => set('address_line2', e.currentTarget.value)} error={errors.field('address_line2')} />
              </Group>
              <Group grow align="flex-start">
                <TextInput label="City" value={draft.city} onChange={(e) => set('city', e.currentTarget.value)} error={errors.field('city')} />
                <TextInput label="Postal code" value={draft.zipcode} onChange={(e) => set('zipcode', e.currentTarget.value)} error={errors.field('zipcode')} />
                <TextInput label="State" value={draft.state} onChange={(e) => set('state', e.currentTarget.value)} error={errors.field('state')} />
                <TextInput label="Country" maxLength={2} description="ISO 3166, e.g. FR" value={draft.country} onChange={(e) => set('country', e.currentTarget.value.toUpperCase())} error={errors.field('country')} />
              </Group>
              <Group grow align="flex-start">
                <TextInput label="Payment term (days)" inputMode="numeric" value={draft.net_payment_term} onChange={(e) => set('net_payment_term', e.currentTarget.value)} error={errors.field('net_payment_term')} />
                <NativeSelect
                  label="Payment provider"
                  name="payment_provider"
                  description="Stored and shown; Billow collects no payment."
                  data={[{ value: '', label: 'None' }, ...['stripe', 'gocardless', 'adyen', 'moneyhash', 'cashfree', 'flutterwave'].map((p) => ({ value: p, label: p }))]}
                  value={draft.payment_provider}
                  onChange={(e) => set('payment_provider', e.currentTarget.value)}
                  error={errors.field('billing_configuration.payment_provider')}
                />
                <TextInput label="Provider’s customer id" disabled={!draft.payment_provider} value={draft.provider_customer_id} onChange={(e) => set('provider_customer_id', e.currentTarget.value)} error={errors.field('billing_configuration.provider_customer_id')} />
              </Group>
            </Stack>
          </Fieldset>
          <FormAlert errors={errors} />
          <Group justify="flex-end">
            <Button variant="default" component={Link} to={externalId ? `/customers/${encodeURIComponent(externalId)}` : '/customers'}>Cancel</Button>
            <Button type="submit" loading={save.isPending}>{externalId ? 'Save customer' : 'Create customer'}</Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}
