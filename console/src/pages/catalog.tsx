/** Taxes, coupons and add-ons: list and create. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, TextInput, Title } from '@mantine/core';
import { useApi, useApiMutation } from '../lib/query';
import { calendarDate, money } from '../lib/format';
import { decimalToCents } from '../lib/amounts';
import type { AddOn, Coupon, Tax } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { FormAlert, FormErrors } from '../components/forms';
import { StatusBadge } from '../components/StatusBadge';

function Section<T>({ title, path, root, noun, columns, form }: {
  title: string; path: string; root: string; noun: string; columns: [string, (item: T) => ReactNode][]; form: ReactNode;
}) {
  const query = useApi<Record<string, T[]>>(path);
  return (
    <>
      <PageHeader title={title} />
      <Stack>
        <Paper withBorder p="md" component="section" aria-labelledby="new-item">
          <Title order={2} size="h5" id="new-item" mb="xs">New {noun}</Title>
          {form}
        </Paper>
        <QueryView query={query} empty={(data) => (data[root] ?? []).length === 0 && <Empty title={`No ${noun} yet`}>Create one above.</Empty>}>
          {(data) => (
            <Paper withBorder>
              <Table striped>
                <Table.Thead><Table.Tr>{columns.map(([label]) => <Table.Th key={label}>{label}</Table.Th>)}</Table.Tr></Table.Thead>
                <Table.Tbody>
                  {(data[root] ?? []).map((item, index) => <Table.Tr key={index}>{columns.map(([label, cell]) => <Table.Td key={label}>{cell(item)}</Table.Td>)}</Table.Tr>)}
                </Table.Tbody>
              </Table>
            </Paper>
          )}
        </QueryView>
      </Stack>
    </>
  );
}

function TaxForm() {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [rate, setRate] = useState('');
  const [everyone, setEveryone] = useState(false);
  const create = useApiMutation<{ tax: Tax }, void>('POST', '/taxes', () => ({ tax: { name, code, rate: rate.trim(), applied_to_organization: everyone } }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => { setName(''); setCode(''); setRate(''); } });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Group align="flex-start" grow>
          <TextInput label="Name" name="name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.field('name')} />
          <TextInput label="Code" name="code" value={code} onChange={(e) => setCode(e.currentTarget.value)} error={errors.field('code')} />
          <TextInput label="Rate (%)" name="rate" inputMode="decimal" value={rate} onChange={(e) => setRate(e.currentTarget.value)} error={errors.field('rate')} />
        </Group>
        <Checkbox label="Apply to every customer of the organization" checked={everyone} onChange={(e) => setEveryone(e.currentTarget.checked)} />
        <FormAlert errors={errors} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>Create tax</Button></Group>
      </Stack>
    </form>
  );
}

export function TaxesPage() {
  return (
    <Section<Tax>
      title="Taxes" path="/taxes?per_page=200" root="taxes" noun="tax" form={<TaxForm />}
      columns={[['Name', (t) => t.name], ['Code', (t) => <code>{t.code}</code>], ['Rate', (t) => `${t.rate}%`], ['Everyone', (t) => (t.applied_to_organization ? 'yes' : 'no')]]}
    />
  );
}

function CouponForm() {
  const session = useSession();
  const [draft, setDraft] = useState({ name: '', code: '', coupon_type: 'fixed_amount', amount: '', currency: session.organization.default_currency, rate: '', frequency: 'once', duration: '', reusable: true });
  const set = (patch: Partial<typeof draft>) => setDraft((current) => ({ ...current, ...patch }));
  const create = useApiMutation<{ coupon: Coupon }, void>('POST', '/coupons', () => ({
    coupon: {
      name: draft.name, code: draft.code, coupon_type: draft.coupon_type, frequency: draft.frequency, reusable: draft.reusable, expiration: 'no_expiration',
      ...(draft.coupon_type === 'fixed_amount' ? { amount_cents: decimalToCents(draft.amount, draft.currency), amount_currency: draft.currency } : { percentage_rate: draft.rate.trim() }),
      ...(draft.frequency === 'recurring' ? { frequency_duration: Number(draft.duration) || draft.duration } : {}),
    },
  }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => set({ name: '', code: '', amount: '', rate: '' }) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Group align="flex-start" grow>
          <TextInput label="Name" name="name" value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={errors.field('name')} />
          <TextInput label="Code" name="code" value={draft.code} onChange={(e) => set({ code: e.currentTarget.value })} error={errors.field('code')} />
          <NativeSelect label="Type" name="coupon_type" data={[{ value: 'fixed_amount', label: 'Fixed amount' }, { value: 'percentage', label: 'Percentage' }]} value={draft.coupon_type} onChange={(e) => set({ coupon_type: e.currentTarget.value })} />
        </Group>
        <Group align="flex-start" grow>
          {draft.coupon_type === 'fixed_amount' ? (
            <>
              <TextInput label="Amount" name="amount" inputMode="decimal" value={draft.amount} onChange={(e) => set({ amount: e.currentTarget.value })} error={errors.field('amount_cents')} />
              <TextInput label="Currency" name="amount_currency" maxLength={3} value={draft.currency} onChange={(e) => set({ currency: e.currentTarget.value.toUpperCase() })} error={errors.field('amount_currency')} />
            </>
          ) : (
            <TextInput label="Rate (%)" name="percentage_rate" inputMode="decimal" value={draft.rate} onChange={(e) => set({ rate: e.currentTarget.value })} error={errors.field('percentage_rate')} />
          )}
          <NativeSelect label="Applies" name="frequency" data={[{ value: 'once', label: 'Once' }, { value: 'recurring', label: 'For some periods' }, { value: 'forever', label: 'Forever' }]} value={draft.frequency} onChange={(e) => set({ frequency: e.currentTarget.value })} />
          {draft.frequency === 'recurring' && <TextInput label="Number of periods" name="frequency_duration" inputMode="numeric" value={draft.duration} onChange={(e) => set({ duration: e.currentTarget.value })} error={errors.field('frequency_duration')} />}
        </Group>
        <Checkbox label="Reusable (a customer may get it again)" checked={draft.reusable} onChange={(e) => set({ reusable: e.currentTarget.checked })} />
        <FormAlert errors={errors} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>Create coupon</Button></Group>
      </Stack>
    </form>
  );
}

export function CouponsPage() {
  return (
    <Section<Coupon>
      title="Coupons" path="/coupons?per_page=200" root="coupons" noun="coupon" form={<CouponForm />}
      columns={[
        ['Name', (c) => c.name], ['Code', (c) => <code>{c.code}</code>],
        ['Value', (c) => (c.coupon_type === 'percentage' ? `${c.percentage_rate}%` : money(c.amount_cents, c.amount_currency))],
        ['Applies', (c) => (c.frequency === 'recurring' ? `${c.frequency_duration} periods` : c.frequency)],
        ['Status', (c) => <StatusBadge status={c.terminated_at ? 'terminated' : 'active'} />],
        ['Expires', (c) => (c.expiration_at ? calendarDate(c.expiration_at.slice(0, 10)) : 'never')],
      ]}
    />
  );
}

function AddOnForm() {
  const session = useSession();
  const [draft, setDraft] = useState({ name: '', code: '', amount: '', currency: session.organization.default_currency });
  const set = (patch: Partial<typeof draft>) => setDraft((current) => ({ ...current, ...patch }));
  const create = useApiMutation<{ add_on: AddOn }, void>('POST', '/add_ons', () => ({ add_on: { name: draft.name, code: draft.code, amount_cents: decimalToCents(draft.amount, draft.currency), amount_currency: draft.currency } }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => set({ name: '', code: '', amount: '' }) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Group align="flex-start" grow>
          <TextInput label="Name" name="name" value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={errors.field('name')} />
          <TextInput label="Code" name="code" value={draft.code} onChange={(e) => set({ code: e.currentTarget.value })} error={errors.field('code')} />
          <TextInput label="Amount" name="amount" inputMode="decimal" value={draft.amount} onChange={(e) => set({ amount: e.currentTarget.value })} error={errors.field('amount_cents')} />
          <TextInput label="Currency" name="amount_currency" maxLength={3} value={draft.currency} onChange={(e) => set({ currency: e.currentTarget.value.toUpperCase() })} error={errors.field('amount_currency')} />
        </Group>
        <FormAlert errors={errors} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>Create add-on</Button></Group>
      </Stack>
    </form>
  );
}

export function AddOnsPage() {
  return (
    <Section<AddOn>
      title="Add-ons" path="/add_ons?per_page=200" root="add_ons" noun="add-on" form={<AddOnForm />}
      columns={[['Name', (a) => a.name], ['Code', (a) => <code>{a.code}</code>], ['Amount', (a) => money(a.amount_cents, a.amount_currency)], ['Taxes', (a) => a.taxes.map((t) => t.code).join(', ') || '—']]}
    />
  );
}
