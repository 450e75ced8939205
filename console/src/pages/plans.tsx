/** Plans: list, create and edit, with the charge editor and the live price preview. */
import { useEffect, useState, type FormEvent } from 'react';
import { Anchor, Badge, Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import { money } from '../lib/format';
import { centsToInput, decimalToCents } from '../lib/amounts';
import type { List, Metric, Plan, Tax } from '../lib/types';
import { useSession } from '../lib/session';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { FormAlert, FormErrors } from '../components/forms';
import { Paged } from '../components/Paged';
import {
  ChargeEditor, draftOfProperties, emptyCharge, formatFilterValues, parseFilterValues, propertiesOf, type ChargeDraft,
} from '../components/ChargeEditor';

const INTERVALS = ['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly'];

export function PlansPage() {
  const [page, setPage] = useState(1);
  const query = useApi<List<'plans', Plan>>(`/plans${qs({ page, per_page: 50 })}`);
  return (
    <>
      <PageHeader title="Plans" actions={<Button component={Link} to="/plans/new">New plan</Button>} />
      <QueryView query={query} empty={(data) => data.plans.length === 0 && <Empty title="No plan yet">A plan is a price: a base fee and charges on your metrics. <Anchor component={Link} to="/plans/new">Create one</Anchor>.</Empty>}>
        {(data) => (
          <Paper withBorder>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Code</Table.Th><Table.Th>Interval</Table.Th><Table.Th className="num">Base fee</Table.Th><Table.Th>Billed</Table.Th><Table.Th>Charges</Table.Th><Table.Th className="num">Active subscriptions</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.plans.map((plan) => (
                  <Table.Tr key={plan.lago_id}>
                    <Table.Td><Anchor component={Link} to={`/plans/${encodeURIComponent(plan.code)}`}>{plan.name}</Anchor></Table.Td>
                    <Table.Td><code>{plan.code}</code></Table.Td>
                    <Table.Td>{plan.interval}</Table.Td>
                    <Table.Td className="num">{money(plan.amount_cents, plan.amount_currency)}</Table.Td>
                    <Table.Td>{plan.pay_in_advance ? 'in advance' : 'in arrears'}</Table.Td>
                    <Table.Td>{plan.charges.map((charge) => <Badge key={charge.lago_id} variant="light" mr={4}>{charge.billable_metric_code} · {charge.charge_model}</Badge>)}</Table.Td>
                    <Table.Td className="num">{plan.active_subscriptions_count ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="plan" />
          </Paper>
        )}
      </QueryView>
    </>
  );
}

interface PlanDraft {
  name: string; code: string; description: string; interval: string; amount: string; amount_currency: string; pay_in_advance: boolean;
  trial_period: string; bill_charges_monthly: boolean; tax_codes: string[]; charges: ChargeDraft[];
}

function draftOf(plan: Plan): PlanDraft {
  return {
    name: plan.name, code: plan.code, description: plan.description ?? '', interval: plan.interval,
    amount: centsToInput(plan.amount_cents, plan.amount_currency), amount_currency: plan.amount_currency, pay_in_advance: plan.pay_in_advance,
    trial_period: plan.trial_period ? String(plan.trial_period) : '', bill_charges_monthly: Boolean(plan.bill_charges_monthly),
    tax_codes: plan.taxes.map((tax) => tax.code),
    charges: plan.charges.map((charge) => ({
      id: charge.lago_id, billable_metric_id: charge.lago_billable_metric_id, charge_model: charge.charge_model,
      invoice_display_name: charge.invoice_display_name ?? '', pay_in_advance: charge.pay_in_advance, prorated: charge.prorated, invoiceable: charge.invoiceable,
      min_amount: charge.min_amount_cents ? centsToInput(charge.min_amount_cents, plan.amount_currency) : '',
      properties: draftOfProperties(charge.charge_model, charge.properties as Record<string, unknown>),
      filters: charge.filters.map((filter) => ({ invoice_display_name: filter.invoice_display_name ?? '', values: formatFilterValues(filter.values), properties: draftOfProperties(charge.charge_model, filter.properties as Record<string, unknown>) })),
      tax_codes: (charge.taxes ?? []).map((tax) => tax.code),
    })),
  };
}

function bodyOf(draft: PlanDraft) {
  const currency = draft.amount_currency.trim().toUpperCase();
  const trial = draft.trial_period.trim();
  return {
    plan: {
      name: draft.name, code: draft.code, description: draft.description || null, interval: draft.interval,
      amount_cents: draft.amount.trim() === '' ? 0 : decimalToCents(draft.amount, currency), amount_currency: currency,
      pay_in_advance: draft.pay_in_advance, trial_period: trial === '' ? 0 : Number.isFinite(Number(trial)) ? Number(trial) : trial,
      bill_charges_monthly: draft.interval === 'yearly' ? draft.bill_charges_monthly : null,
      tax_codes: draft.tax_codes,
      charges: draft.charges.map((charge) => ({
        ...(charge.id ? { id: charge.id } : {}),
        billable_metric_id: charge.billable_metric_id || null,
        charge_model: charge.charge_model,
        invoice_display_name: charge.invoice_display_name || null,
        pay_in_advance: charge.pay_in_advance,
        prorated: charge.prorated,
        invoiceable: charge.invoiceable,
        min_amount_cents: charge.min_amount.trim() === '' ? 0 : decimalToCents(charge.min_amount, currency),
        properties: propertiesOf(charge.charge_model, charge.properties),
        filters: charge.filters.map((filter) => ({ invoice_display_name: filter.invoice_display_name || null, values: parseFilterValues(filter.values), properties: propertiesOf(charge.charge_model, filter.properties) })),
        tax_codes: charge.tax_codes,
      })),
    },
  };
}

export function PlanFormPage() {
  const { code } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const existing = useApi<{ plan: Plan }>(code ? `/plans/${encodeURIComponent(code)}` : null);
  const metrics = useApi<List<'billable_metrics', Metric>>('/billable_metrics?per_page=1000');
  const taxes = useApi<List<'taxes', Tax>>('/taxes?per_page=1000');
  const [draft, setDraft] = useState<PlanDraft>({
    name: '', code: '', description: '', interval: 'monthly', amount: '0', amount_currency: session.organization.default_currency,
    pay_in_advance: false, trial_period: '', bill_charges_monthly: false, tax_codes: [], charges: [],
  });
  useEffect(() => {
    if (existing.data) setDraft(draftOf(existing.data.plan));
  }, [existing.data]);
  const save = useApiMutation<{ plan: Plan }, PlanDraft>(code ? 'PUT' : 'POST', code ? `/plans/${encodeURIComponent(code)}` : '/plans', bodyOf);
  const errors = FormErrors.from(save.error);
  const set = <K extends keyof PlanDraft>(key: K, value: PlanDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(draft, { onSuccess: () => navigate('/plans') });
  };
  if (code && (existing.isPending || existing.isError)) return <QueryView query={existing}>{() => null}</QueryView>;
  if (metrics.isPending || metrics.isError) return <QueryView query={metrics}>{() => null}</QueryView>;
  const metricList = metrics.data?.billable_metrics ?? [];
  const taxList = taxes.data?.taxes ?? [];
  const currency = draft.amount_currency.trim().toUpperCase() || 'USD';
  return (
    <>
      <PageHeader title={code ? `Edit plan ${code}` : 'New plan'} trail={[['/plans', 'Plans']]} />
      <form onSubmit={submit} noValidate>
        <Stack maw={980}>
          <Paper withBorder p="md">
            <Stack>
              <Group grow align="flex-start">
                <TextInput label="Name" name="name" required value={draft.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.field('name')} />
                <TextInput label="Code" name="code" required value={draft.code} onChange={(e) => set('code', e.currentTarget.value)} error={errors.field('code')} />
              </Group>
              <Textarea label="Description" name="description" autosize minRows={1} value={draft.description} onChange={(e) => set('description', e.currentTarget.value)} error={errors.field('description')} />
              <Group grow align="flex-start">
                <NativeSelect label="Billing interval" name="interval" data={INTERVALS} value={draft.interval} onChange={(e) => set('interval', e.currentTarget.value)} error={errors.field('interval')} />
                <TextInput label="Base fee" name="amount" inputMode="decimal" description={`In ${currency}, e.g. 120.00`} value={draft.amount} onChange={(e) => set('amount', e.currentTarget.value)} error={errors.field('amount_cents')} />
                <TextInput label="Currency" name="amount_currency" maxLength={3} value={draft.amount_currency} onChange={(e) => set('amount_currency', e.currentTarget.value.toUpperCase())} error={errors.field('amount_currency')} />
              </Group>
              <Group grow align="flex-start">
                <NativeSelect
                  label="Base fee billed"
                  name="pay_in_advance"
                  data={[{ value: 'arrears', label: 'In arrears (at the end of each period)' }, { value: 'advance', label: 'In advance (at the start of each period)' }]}
                  value={draft.pay_in_advance ? 'advance' : 'arrears'}
                  onChange={(e) => set('pay_in_advance', e.currentTarget.value === 'advance')}
                  error={errors.field('pay_in_advance')}
                />
                <TextInput label="Trial (days)" name="trial_period" inputMode="numeric" placeholder="0" value={draft.trial_period} onChange={(e) => set('trial_period', e.currentTarget.value)} error={errors.field('trial_period')} />
              </Group>
              {draft.interval === 'yearly' && <Checkbox label="Bill charges monthly" checked={draft.bill_charges_monthly} onChange={(e) => set('bill_charges_monthly', e.currentTarget.checked)} />}
              <Checkbox.Group label="Taxes" value={draft.tax_codes} onChange={(value) => set('tax_codes', value)} error={errors.field('tax_codes')}>
                <Group mt={4}>
                  {taxList.length === 0 && <Text size="sm" c="dimmed">No tax defined (<Anchor component={Link} to="/taxes">add one</Anchor>).</Text>}
                  {taxList.map((tax) => <Checkbox key={tax.code} value={tax.code} name={`tax.${tax.code}`} label={`${tax.name} (${tax.rate}%)`} />)}
                </Group>
              </Checkbox.Group>
            </Stack>
          </Paper>
          <Title order={2} size="h4">Charges</Title>
          {metricList.length === 0 && <Empty title="No billable metric">Charges price a metric: <Anchor component={Link} to="/metrics/new">create a metric</Anchor> first.</Empty>}
          {draft.charges.map((charge, index) => (
            <ChargeEditor
              key={index}
              index={index}
              charge={charge}
              metrics={metricList}
              taxes={taxList}
              currency={currency}
              errors={errors}
              onChange={(next) => set('charges', draft.charges.map((c, i) => (i === index ? next : c)))}
              onRemove={() => set('charges', draft.charges.filter((_, i) => i !== index))}
            />
          ))}
          <Group>
            <Button variant="light" onClick={() => set('charges', [...draft.charges, emptyCharge(metricList[0]?.lago_id)])} disabled={metricList.length === 0}>Add a charge</Button>
          </Group>
          <FormAlert errors={errors} />
          <Group justify="flex-end">
            <Button variant="default" component={Link} to="/plans">Cancel</Button>
            <Button type="submit" loading={save.isPending}>{code ? 'Save plan' : 'Create plan'}</Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}
