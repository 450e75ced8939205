/**
 * One charge of a plan: its metric, its model with the model's properties (tier tables for
 * graduated and volume, package, percentage with its min/max), filters with their own prices,
 * taxes, and a live price preview computed by the billing core.
 */
import { useState } from 'react';
import { ActionIcon, Alert, Button, Checkbox, Fieldset, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { Metric, Tax } from '../lib/types';
import { previewCharge } from '../lib/pricing';
import { humanCode } from '../lib/api';
import { money, unitPrice, units as formatUnits } from '../lib/format';
import type { FormErrors } from './forms';
import { FieldErrorList } from './states';

export const CHARGE_MODELS: [string, string][] = [
  ['standard', 'Standard (price per unit)'],
  ['graduated', 'Graduated (tiers, each priced on its own)'],
  ['volume', 'Volume (all units at the reached tier’s price)'],
  ['package', 'Package (price per package of units)'],
  ['percentage', 'Percentage (of an amount)'],
  ['graduated_percentage', 'Graduated percentage'],
];

export interface RangeDraft { from: string; to: string; price: string; flat: string }
export interface PropertiesDraft {
  amount: string; package_size: string; free_units: string; ranges: RangeDraft[];
  rate: string; fixed_amount: string; free_units_per_events: string; free_units_per_total_aggregation: string;
  per_transaction_min_amount: string; per_transaction_max_amount: string;
}
export interface FilterDraft { invoice_display_name: string; values: string; properties: PropertiesDraft }
export interface ChargeDraft {
  id: string | null; billable_metric_id: string; charge_model: string; invoice_display_name: string; pay_in_advance: boolean;
  prorated: boolean; invoiceable: boolean; min_amount: string; properties: PropertiesDraft; filters: FilterDraft[]; tax_codes: string[];
}

export const emptyProperties = (): PropertiesDraft => ({
  amount: '', package_size: '1', free_units: '0', ranges: [{ from: '0', to: '', price: '', flat: '0' }],
  rate: '', fixed_amount: '', free_units_per_events: '', free_units_per_total_aggregation: '', per_transaction_min_amount: '', per_transaction_max_amount: '',
});

export const emptyCharge = (metricId = ''): ChargeDraft => ({
  id: null, billable_metric_id: metricId, charge_model: 'standard', invoice_display_name: '', pay_in_advance: false, prorated: false,
  invoiceable: true, min_amount: '', properties: emptyProperties(), filters: [], tax_codes: [],
});

const RANGE_KEY: Record<string, string> = { graduated: 'graduated_ranges', volume: 'volume_ranges', graduated_percentage: 'graduated_percentage_ranges' };

/** The API's `properties` for a model, from the draft. */
export function propertiesOf(model: string, draft: PropertiesDraft): Record<string, unknown> {
  const number = (text: string) => (text.trim() === '' ? null : Number.isFinite(Number(text)) ? Number(text) : text);
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  switch (model) {
    case 'standard': return { amount: draft.amount.trim() };
    case 'package': return { amount: draft.amount.trim(), package_size: number(draft.package_size), free_units: number(draft.free_units) ?? 0 };
    case 'percentage': return {
      rate: draft.rate.trim(), fixed_amount: text(draft.fixed_amount) ?? '0', free_units_per_events: number(draft.free_units_per_events),
      free_units_per_total_aggregation: text(draft.free_units_per_total_aggregation),
      per_transaction_min_amount: text(draft.per_transaction_min_amount), per_transaction_max_amount: text(draft.per_transaction_max_amount),
    };
    default: {
      const key = RANGE_KEY[model];
      if (!key) return {};
      return {
        [key]: draft.ranges.map((range) => ({
          from_value: number(range.from) ?? 0,
          to_value: number(range.to),
          ...(model === 'graduated_percentage' ? { rate: range.price.trim() } : { per_unit_amount: range.price.trim() }),
          flat_amount: range.flat.trim() || '0',
        })),
      };
    }
  }
}

/** The draft of stored properties. */
export function draftOfProperties(model: string, properties: Record<string, unknown>): PropertiesDraft {
  const draft = emptyProperties();
  const str = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  const key = RANGE_KEY[model];
  if (key && Array.isArray(properties[key])) {
    draft.ranges = (properties[key] as Record<string, unknown>[]).map((range) => ({
      from: str(range.from_value), to: str(range.to_value), price: str(model === 'graduated_percentage' ? range.rate : range.per_unit_amount), flat: str(range.flat_amount),
    }));
  }
  for (const field of ['amount', 'package_size', 'free_units', 'rate', 'fixed_amount', 'free_units_per_events', 'free_units_per_total_aggregation', 'per_transaction_min_amount', 'per_transaction_max_amount'] as const) {
    if (properties[field] !== undefined) draft[field] = str(properties[field]);
  }
  return draft;
}

function PropertiesEditor({ model, value, onChange, errors, prefix, label }: {
  model: string; value: PropertiesDraft; onChange: (next: PropertiesDraft) => void; errors: FormErrors; prefix: string; label: string;
}) {
  const set = <K extends keyof PropertiesDraft>(key: K, next: PropertiesDraft[K]) => onChange({ ...value, [key]: next });
  const field = (name: string) => errors.field(`${prefix}.${name}`);
  if (model === 'standard') {
    return <TextInput label={`${label}: price per unit`} name={`${prefix}.amount`} inputMode="decimal" value={value.amount} onChange={(e) => set('amount', e.currentTarget.value)} error={field('amount')} />;
  }
  if (model === 'package') {
    return (
      <Group grow align="flex-start">
        <TextInput label={`${label}: price per package`} inputMode="decimal" value={value.amount} onChange={(e) => set('amount', e.currentTarget.value)} error={field('amount')} />
        <TextInput label="Units per package" inputMode="numeric" value={value.package_size} onChange={(e) => set('package_size', e.currentTarget.value)} error={field('package_size')} />
        <TextInput label="Free units" inputMode="numeric" value={value.free_units} onChange={(e) => set('free_units', e.currentTarget.value)} error={field('free_units')} />
      </Group>
    );
  }
  if (model === 'percentage') {
    return (
      <Stack gap="xs">
        <Group grow align="flex-start">
          <TextInput label={`${label}: rate (%)`} inputMode="decimal" value={value.rate} onChange={(e) => set('rate', e.currentTarget.value)} error={field('rate')} />
          <TextInput label="Fixed fee per transaction" inputMode="decimal" value={value.fixed_amount} onChange={(e) => set('fixed_amount', e.currentTarget.value)} error={field('fixed_amount')} />
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Free transactions" inputMode="numeric" value={value.free_units_per_events} onChange={(e) => set('free_units_per_events', e.currentTarget.value)} error={field('free_units_per_events')} />
          <TextInput label="Free amount (total)" inputMode="decimal" value={value.free_units_per_total_aggregation} onChange={(e) => set('free_units_per_total_aggregation', e.currentTarget.value)} error={field('free_units_per_total_aggregation')} />
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Minimum fee per transaction" inputMode="decimal" value={value.per_transaction_min_amount} onChange={(e) => set('per_transaction_min_amount', e.currentTarget.value)} error={field('per_transaction_min_amount')} />
          <TextInput label="Maximum fee per transaction" inputMode="decimal" value={value.per_transaction_max_amount} onChange={(e) => set('per_transaction_max_amount', e.currentTarget.value)} error={field('per_transaction_max_amount')} />
        </Group>
      </Stack>
    );
  }
  const key = RANGE_KEY[model]!;
  const priceLabel = model === 'graduated_percentage' ? 'Rate (%)' : 'Price per unit';
  const setRange = (index: number, patch: Partial<RangeDraft>) => set('ranges', value.ranges.map((range, i) => (i === index ? { ...range, ...patch } : range)));
  const rangeErrors = errors.under(`${prefix}.${key}`);
  return (
    <Stack gap="xs">
      <Table withTableBorder aria-label={`${label}: tiers`}>
        <Table.Thead>
          <Table.Tr><Table.Th>From</Table.Th><Table.Th>To (empty: and above)</Table.Th><Table.Th>{priceLabel}</Table.Th><Table.Th>Flat fee</Table.Th><Table.Th><span className="visually-hidden">Actions</span></Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {value.ranges.map((range, index) => (
            <Table.Tr key={index}>
              <Table.Td><TextInput aria-label={`Tier ${index + 1} from`} name={`${prefix}.tier${index}.from`} size="xs" inputMode="numeric" value={range.from} onChange={(e) => setRange(index, { from: e.currentTarget.value })} /></Table.Td>
              <Table.Td><TextInput aria-label={`Tier ${index + 1} to`} name={`${prefix}.tier${index}.to`} size="xs" inputMode="numeric" placeholder="∞" value={range.to} onChange={(e) => setRange(index, { to: e.currentTarget.value })} /></Table.Td>
              <Table.Td><TextInput aria-label={`Tier ${index + 1} ${priceLabel.toLowerCase()}`} name={`${prefix}.tier${index}.price`} size="xs" inputMode="decimal" value={range.price} onChange={(e) => setRange(index, { price: e.currentTarget.value })} /></Table.Td>
              <Table.Td><TextInput aria-label={`Tier ${index + 1} flat fee`} name={`${prefix}.tier${index}.flat`} size="xs" inputMode="decimal" value={range.flat} onChange={(e) => setRange(index, { flat: e.currentTarget.value })} /></Table.Td>
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label={`Remove tier ${index + 1}`} disabled={value.ranges.length === 1} onClick={() => set('ranges', value.ranges.filter((_, i) => i !== index))}>×</ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => {
            const last = value.ranges[value.ranges.length - 1];
            const from = last && last.to.trim() !== '' && Number.isFinite(Number(last.to)) ? String(Number(last.to) + 1) : '';
            set('ranges', [...value.ranges, { from, to: '', price: '', flat: '0' }]);
          }}
        >
          Add a tier
        </Button>
      </Group>
      {Object.keys(rangeErrors).length > 0 && <Alert color="red" p="xs"><FieldErrorList errors={rangeErrors} /></Alert>}
    </Stack>
  );
}

function PricePreview({ charge, currency }: { charge: ChargeDraft; currency: string }) {
  const [unitsText, setUnits] = useState('12345');
  const [eventsText, setEvents] = useState('1');
  const preview = previewCharge(charge.charge_model, propertiesOf(charge.charge_model, charge.properties), currency, unitsText, Number(eventsText));
  return (
    <Paper bg="gray.0" p="sm" radius="sm" aria-label="Price preview" component="section">
      <Group align="flex-end" gap="sm">
        <TextInput size="xs" label="What do these units cost?" name="preview_units" inputMode="decimal" value={unitsText} onChange={(e) => setUnits(e.currentTarget.value)} w={180} />
        {charge.charge_model === 'percentage' && <TextInput size="xs" label="over this many events" inputMode="numeric" value={eventsText} onChange={(e) => setEvents(e.currentTarget.value)} w={150} />}
        <Text size="sm" fw={600} data-testid="price-preview" aria-live="polite">
          {preview.ok ? `${formatUnits(unitsText.replace(/[,_\s]/g, '') || '0')} units cost ${money(preview.amountCents, currency)}` : 'Complete the prices to see the cost.'}
        </Text>
      </Group>
      {preview.ok && 'graduated_ranges' in preview.details && (
        <Text size="xs" c="dimmed" mt={4}>
          {preview.details.graduated_ranges.filter((tier) => tier.units !== '0').map((tier) => `${formatUnits(tier.units)} × ${unitPrice(tier.per_unit_amount, currency)}${tier.flat_amount !== '0' ? ` + ${unitPrice(tier.flat_amount, currency)}` : ''}`).join(' + ')}
        </Text>
      )}
      {!preview.ok && <Text size="xs" c="dimmed" mt={4}>{Object.entries(preview.errors).map(([field, codes]) => `${field}: ${codes.map(humanCode).join(' ')}`).join(' · ')}</Text>}
    </Paper>
  );
}

export function ChargeEditor({ index, charge, metrics, taxes, currency, onChange, onRemove, errors }: {
  index: number; charge: ChargeDraft; metrics: Metric[]; taxes: Tax[]; currency: string;
  onChange: (next: ChargeDraft) => void; onRemove: () => void; errors: FormErrors;
}) {
  const prefix = `charges.${index}`;
  const set = <K extends keyof ChargeDraft>(key: K, value: ChargeDraft[K]) => onChange({ ...charge, [key]: value });
  const metric = metrics.find((m) => m.lago_id === charge.billable_metric_id);
  const label = `Charge ${index + 1}`;
  return (
    <Paper withBorder p="md" component="section" aria-label={label}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h5">{label}{metric ? `: ${metric.name}` : ''}</Title>
          <Button size="xs" variant="subtle" color="red" onClick={onRemove} aria-label={`Remove charge ${index + 1}`}>Remove</Button>
        </Group>
        <Group grow align="flex-start">
          <NativeSelect
            label="Billable metric"
            name={`${prefix}.billable_metric_id`}
            data={[{ value: '', label: 'Choose a metric…' }, ...metrics.map((m) => ({ value: m.lago_id, label: `${m.name} (${m.code})` }))]}
            value={charge.billable_metric_id}
            onChange={(e) => set('billable_metric_id', e.currentTarget.value)}
            error={errors.field(`${prefix}.billable_metric_id`)}
          />
          <NativeSelect
            label="Charge model"
            name={`${prefix}.charge_model`}
            data={CHARGE_MODELS.map(([value, text]) => ({ value, label: text }))}
            value={charge.charge_model}
            onChange={(e) => onChange({ ...charge, charge_model: e.currentTarget.value })}
            error={errors.field(`${prefix}.charge_model`)}
          />
        </Group>
        <PropertiesEditor model={charge.charge_model} value={charge.properties} onChange={(next) => set('properties', next)} errors={errors} prefix={`${prefix}.properties`} label={label} />
        <PricePreview charge={charge} currency={currency} />
        <Group gap="lg">
          <Checkbox label="Paid in advance (each event billed at once)" checked={charge.pay_in_advance} onChange={(e) => set('pay_in_advance', e.currentTarget.checked)} error={errors.field(`${prefix}.pay_in_advance`)} />
          <Checkbox label="Prorated (recurring metrics: by days active)" name={`${prefix}.prorated`} checked={charge.prorated} onChange={(e) => set('prorated', e.currentTarget.checked)} error={errors.field(`${prefix}.prorated`)} />
          <Checkbox label="Invoiceable" checked={charge.invoiceable} onChange={(e) => set('invoiceable', e.currentTarget.checked)} error={errors.field(`${prefix}.invoiceable`)} />
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Name on the invoice" value={charge.invoice_display_name} onChange={(e) => set('invoice_display_name', e.currentTarget.value)} error={errors.field(`${prefix}.invoice_display_name`)} />
          <TextInput label={`Minimum per period (${currency})`} inputMode="decimal" value={charge.min_amount} onChange={(e) => set('min_amount', e.currentTarget.value)} error={errors.field(`${prefix}.min_amount_cents`)} />
        </Group>
        {taxes.length > 0 && (
          <Checkbox.Group label="Taxes on this charge (instead of the plan’s)" value={charge.tax_codes} onChange={(value) => set('tax_codes', value)} error={errors.field(`${prefix}.tax_codes`)}>
            <Group mt={4}>{taxes.map((tax) => <Checkbox key={tax.code} value={tax.code} label={`${tax.name} (${tax.rate}%)`} />)}</Group>
          </Checkbox.Group>
        )}
        <Fieldset legend="Filters: a price per kind of event" variant="filled">
          <Stack gap="xs">
            {charge.filters.length === 0 && <Text size="sm" c="dimmed">{metric?.filters.length ? `This metric has filters (${metric.filters.map((f) => f.key).join(', ')}): give some of them their own price.` : 'No filter.'}</Text>}
            {charge.filters.map((filter, filterIndex) => (
              <Paper key={filterIndex} withBorder p="xs">
                <Stack gap="xs">
                  <Group grow align="flex-end">
                    <TextInput label={`Filter ${filterIndex + 1}: values (key=value1,value2; key2=…)`} value={filter.values} onChange={(e) => { const values = e.currentTarget.value; set('filters', charge.filters.map((f, i) => (i === filterIndex ? { ...f, values } : f))); }} error={errors.field(`${prefix}.filters.${filterIndex}.values`)} />
                    <TextInput label="Name on the invoice" value={filter.invoice_display_name} onChange={(e) => { const name = e.currentTarget.value; set('filters', charge.filters.map((f, i) => (i === filterIndex ? { ...f, invoice_display_name: name } : f))); }} />
                  </Group>
                  <PropertiesEditor model={charge.charge_model} value={filter.properties} onChange={(next) => set('filters', charge.filters.map((f, i) => (i === filterIndex ? { ...f, properties: next } : f)))} errors={errors} prefix={`${prefix}.filters.${filterIndex}.properties`} label={`Filter ${filterIndex + 1}`} />
                  <Group><Button size="xs" variant="subtle" color="red" onClick={() => set('filters', charge.filters.filter((_, i) => i !== filterIndex))}>Remove filter {filterIndex + 1}</Button></Group>
                </Stack>
              </Paper>
            ))}
            <Group><Button size="xs" variant="light" onClick={() => set('filters', [...charge.filters, { invoice_display_name: '', values: '', properties: emptyProperties() }])}>Add a filter</Button></Group>
          </Stack>
        </Fieldset>
        <FieldErrorList errors={errors.restUnder(prefix)} />
      </Stack>
    </Paper>
  );
}

/** "region=eu,us; tier=gold" → {region: [eu, us], tier: [gold]} */
export function parseFilterValues(text: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const part of text.split(';')) {
    const [key, list] = part.split('=');
    if (!key?.trim()) continue;
    values[key.trim()] = (list ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  }
  return values;
}

export function formatFilterValues(values: Record<string, string[]>): string {
  return Object.entries(values).map(([key, list]) => `${key}=${list.join(',')}`).join('; ');
}
